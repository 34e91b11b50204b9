package linuxinit

import (
	"path/filepath"
)

// The scripts/ skeletons. Each ends in commented hooks (never in exit), so
// lines appended with `cat >> scripts/rc.init` run, as with s6-linux-init's
// skeletons. init-maker -r writes the s6-rc hooks uncommented.

func rcInitSkel(c *MakerConfig) string {
	if c.Container {
		return `#!/bin/sh
# rc.init: run by init once the catch-all logger is up, as
#   rc.init RUNLEVEL CONTAINER-COMMAND...
# Runs the container's command and halts with its exit code (unlike the
# s6-linux-init skeleton, a failing command still records its code).
rl="$1"
shift
[ $# -eq 0 ] && exit 0
rc=0
"$@" || rc=$?
echo "$rc" > ` + filepath.Join(c.RunDir, "s6-linux-init-container-results/exitcode") + `
exec ` + c.BaseDir + `/bin/halt
`
	}
	scandir := filepath.Join(c.RunDir, "service")
	runlevel := "exec " + c.BaseDir + `/scripts/runlevel "$rl"`
	hooks := `# 1. Start the service manager, once per boot. With s6-rc (the database
#    is /etc/s6-rc/compiled unless -c says otherwise):
#      s6-rc-init ` + scandir + `
# 2. Bring the machine to the runlevel; telinit runs the same script later:
#      ` + runlevel + `
`
	if c.RCDatabase != "" {
		hooks = `# Start s6-rc on the compiled database, then bring up the runlevel.
s6-rc-init -c ` + Quote(c.RCDatabase) + ` ` + scandir + `
` + runlevel + `
`
	}
	return `#!/bin/sh -e
# rc.init: stage 2, run by init as soon as the catch-all logger is up, as
#   rc.init RUNLEVEL ARGS...
# RUNLEVEL is ` + Quote(c.InitDefault) + ` (init-maker -D) unless the kernel command line
# names one; ARGS are the kernel's other words without the key=value ones.
# Its output goes to the catch-all logger.
rl="$1"
shift

` + hooks
}

func rcShutdownSkel(c *MakerConfig) string {
	hook := `# Bring every service down, then exit; do not halt or reboot here. With s6-rc:
#   exec s6-rc -v2 -bDa change
`
	if c.RCDatabase != "" {
		hook = "exec s6-rc -v2 -bDa change\n"
	}
	return `#!/bin/sh -e
# rc.shutdown: run by init when the machine (or container) goes down, before
# the supervised services are stopped and every process is killed.
` + hook
}

func runlevelSkel(c *MakerConfig) string {
	hook := `# Ask the service manager for the runlevel's services. With s6-rc:
#   exec s6-rc -v2 -up change "$1"
`
	if c.RCDatabase != "" {
		hook = "exec s6-rc -v2 -up change \"$1\"\n"
	}
	return `#!/bin/sh -e
# runlevel: run by rc.init at boot and by init for telinit RUNLEVEL, with the
# runlevel as $1.
if [ $# -lt 1 ]; then
  echo "runlevel: fatal: too few arguments" >&2
  exit 100
fi
` + hook
}

const rcShutdownFinalSkel = `#!/bin/sh -e
# rc.shutdown.final: run by init at the very end of the shutdown, after every
# process is gone and the filesystems are unmounted or read-only, just before
# the sync and reboot(2). A last-resort hook: leave it empty unless a
# filesystem needs a teardown step after unmounting.
`
