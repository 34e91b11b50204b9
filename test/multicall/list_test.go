package multicall

import (
	"sort"
	"strings"
	"testing"

	"s6box/test/harness"
)

// appletNames is every name the binary answers to, written out: an applet
// or alias lost from the table fails here, instead of silently dropping the
// tests that look the applet up. Adding one means adding it here too.
const appletNames = `
applyuidgid envdir envuidgid halt hpr init init-logger init-maker initramfs
log notifyoncheck poweroff rc rc-compile rc-db rc-fdholder rc-init
rc-oneshot-runner rc-pipe-run rc-update reboot runscript
s6-applyuidgid s6-envdir s6-envuidgid s6-linux-init s6-linux-init-halt
s6-linux-init-hpr s6-linux-init-maker s6-linux-init-poweroff
s6-linux-init-reboot s6-linux-init-shutdown s6-linux-init-telinit
s6-linux-init-umountall s6-log s6-notifyoncheck s6-rc s6-rc-compile s6-rc-db
s6-rc-init s6-rc-update s6-setlock s6-setsid s6-setuidgid s6-softlimit
s6-supervise s6-svc s6-svdt s6-svdt-clear s6-svlisten s6-svlisten1 s6-svok
s6-svperms s6-svscan s6-svscanctl s6-svstat s6-svwait s6-tai64n
s6-tai64nlocal setlock setsid setuidgid shutdown softlimit supervise svc svdt
svdt-clear svlisten svlisten1 svok svperms svscan svscanctl svstat svwait
tai64n tai64nlocal telinit umountall
image
background backtick case cd define dollarat elgetopt elgetpositionals elglob
eltest emptyenv
envfile exec execline-cd execline-umask execlineb exit export fdblock fdclose
fdmove fdreserve fdswap forbacktickx foreground forstdin forx getcwd getpid
heredoc homeof if ifelse ifte ifthenelse importas loopwhilex multidefine
multisubstitute pipeline piperw posix-cd posix-umask redirfd runblock shift trap tryexec umask unexport wait
withstdinas
overlay-init overlay-stage2 overlay-stage3 printcontenv with-contenv
accessrules-cdb-from-fs accessrules-fs-from-cdb connlimit ioconnect ipcclient
ipcserver ipcserver-access ipcserver-socketbinder ipcserverd
s6-accessrules-cdb-from-fs s6-accessrules-fs-from-cdb s6-connlimit
s6-ioconnect s6-ipcclient s6-ipcserver s6-ipcserver-access
s6-ipcserver-socketbinder s6-ipcserverd s6-sudo s6-sudoc s6-sudod sudoc sudod
fdholder-daemon fdholder-delete fdholder-getdump fdholder-list
fdholder-retrieve fdholder-setdump fdholder-store fdholder-transferdump
fdholderd s6-fdholder-daemon s6-fdholder-delete s6-fdholder-getdump
s6-fdholder-list s6-fdholder-retrieve s6-fdholder-setdump s6-fdholder-store
s6-fdholder-transferdump s6-fdholderd
svlink s6-svlink svunlink s6-svunlink permafailon s6-permafailon fghack
s6-fghack pause s6-pause mkfifodir s6-mkfifodir cleanfifodir s6-cleanfifodir
ftrig-notify s6-ftrig-notify ftrig-wait s6-ftrig-wait ftrig-listen1
s6-ftrig-listen1 ftrig-listen s6-ftrig-listen instance-maker
s6-instance-maker instance-create s6-instance-create instance-delete
s6-instance-delete instance-control s6-instance-control instance-status
s6-instance-status instance-list s6-instance-list usertree-maker
s6-usertree-maker rc-bundle s6-rc-bundle rc-dryrun s6-rc-dryrun init-echo
s6-linux-init-echo init-nuke s6-linux-init-nuke
`

func TestListIsPinned(t *testing.T) {
	r := harness.Run(t, harness.Binary(t), "--list")
	if r.Code != 0 {
		t.Fatalf("--list: %d %s", r.Code, r.Stderr)
	}
	got := strings.Fields(r.Stdout)
	want := strings.Fields(appletNames)
	sort.Strings(want)
	if strings.Join(got, " ") == strings.Join(want, " ") {
		return
	}
	have := map[string]bool{}
	for _, n := range got {
		have[n] = true
	}
	listed := map[string]bool{}
	for _, n := range want {
		listed[n] = true
		if !have[n] {
			t.Errorf("applet %s missing from --list", n)
		}
	}
	for _, n := range got {
		if !listed[n] {
			t.Errorf("--list has %s, which this test does not know: add it here", n)
		}
	}
	if !t.Failed() {
		t.Errorf("--list order differs:\n got %v\nwant %v", got, want)
	}
}
