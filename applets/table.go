package applets

// The applet table: every applet, its s6 names, its usage line, where
// `make install` links it and the function that runs it.
//
// It is one composite literal of constants and functions, so the linker lays
// it out in the binary's data: a process pays nothing to build it (building
// it from constructors on every start cost a short-lived client such as svc
// about 0.2 ms of allocations).
var appletTable = [...]Applet{
	// Supervision.
	{Name: "supervise", Aliases: []string{"s6-supervise"}, Usage: "DIR", Dir: "bin", Main: superviseMain},
	{Name: "svc", Aliases: []string{"s6-svc"}, Usage: "[ -wu | -wU | -wd | -wD | -wr | -wR ] [ -T timeout ] [ -s signal | -abqhkti12pcyPCKl ] [ -roduDUxOQ ] servicedir...", Dir: "bin", Main: svcMain},
	{Name: "svstat", Aliases: []string{"s6-svstat"}, Usage: "[ --json | -j | -uwNrpest | -o up,wantedup,normallyup,ready,paused,pid,exitcode,signal,signum,updownsince,readysince,updownfor,readyfor ] [ -n ] servicedir...", Dir: "bin", Main: svstatMain},
	{Name: "svwait", Aliases: []string{"s6-svwait"}, Usage: "[ -U | -u | -d | -D | -r | -R ] [ -a | -o ] [ -t timeout ] servicedir...", Dir: "bin", Main: svwaitMain},
	{Name: "svlisten1", Aliases: []string{"s6-svlisten1"}, Usage: "[ -U | -u | -d | -D | -r | -R ] [ -t timeout ] servicedir prog...", Dir: "bin", Main: svlisten1Main},
	{Name: "svlisten", Aliases: []string{"s6-svlisten"}, Usage: "[ -U | -u | -d | -D | -r | -R ] [ -a | -o ] [ -t timeout ] servicedir... \"\" prog...", Dir: "bin", Main: svlistenMain},
	{Name: "svok", Aliases: []string{"s6-svok"}, Usage: "servicedir", Dir: "bin", Main: svokMain},
	{Name: "svdt", Aliases: []string{"s6-svdt"}, Usage: "[ -S | -s ] [ -n maxentries ] servicedir", Dir: "bin", Main: svdtMain},
	{Name: "svdt-clear", Aliases: []string{"s6-svdt-clear"}, Usage: "servicedir", Dir: "bin", Main: svdtClearMain},
	{Name: "svperms", Aliases: []string{"s6-svperms"}, Usage: "[ -v ] [ -u | -g group | -G group | -o | -O group ] [ -e | -E group ] servicedir...", Dir: "bin", Main: svpermsMain},
	// Scanner.
	{Name: "svscan", Aliases: []string{"s6-svscan"}, Dir: "bin",
		Usage: "[ -C services_max | -c max ] [ -L name_max ] [ -t rescan_ms ] [ -d notif ] [ -X consoleholder ] [ -P | -p supervise_prog ] [ scandir ]",
		Main:  svscanMain},
	{Name: "svscanctl", Aliases: []string{"s6-svscanctl"}, Dir: "bin",
		Usage: "[ -zabhitqnN ] scandir",
		Main:  svscanctlMain},
	// Log.
	{Name: "log", Aliases: []string{"s6-log"}, Dir: "bin", Main: logMain,
		Usage: "[ -d notif ] [ -q | -v ] [ -b ] [ -p ] [ -l linelimit ] [ -t lastlinetimeout ] [ -c copyprefix ] [ -- ] logging_script"},
	{Name: "tai64n", Aliases: []string{"s6-tai64n"}, Dir: "bin", Main: tai64nMain, Usage: ""},
	{Name: "tai64nlocal", Aliases: []string{"s6-tai64nlocal"}, Dir: "bin", Main: tai64nlocalMain, Usage: ""},
	// Chain-loading. Those marked Chain run in-process when another
	// chain-loader of this binary execs into them.
	{Name: "envdir", Aliases: []string{"s6-envdir"}, Dir: "bin", Chain: true, Main: envdirMain,
		Usage: "[ -I | -i ] [ -n ] [ -f ] [ -L ] [ -c nullis ] dir prog..."},
	{Name: "envuidgid", Aliases: []string{"s6-envuidgid"}, Dir: "bin", Chain: true, Main: envuidgidMain,
		Usage: "[ -u | -g | -B ] [ -n ] [ -i | -D uid:gid:gidlist ] account prog..."},
	{Name: "setuidgid", Aliases: []string{"s6-setuidgid"}, Dir: "bin", Chain: true, Main: setuidgidMain,
		Usage: "account prog..."},
	{Name: "applyuidgid", Aliases: []string{"s6-applyuidgid"}, Dir: "bin", Chain: true, Main: applyuidgidMain,
		Usage: "[ -z ] [ -u uid ] [ -g gid ] [ -G gidlist ] [ -U ] prog..."},
	{Name: "softlimit", Aliases: []string{"s6-softlimit"}, Dir: "bin", Chain: true, Main: softlimitMain,
		Usage: "[ -h | -H ] [ -a allbytes ] [ -c corebytes ] [ -d databytes ] [ -f filebytes ] [ -l lockbytes ] [ -m membytes ] [ -o openfiles ] [ -p processes ] [ -r residentbytes ] [ -s stackbytes ] [ -t cpusecs ] prog..."},
	{Name: "setsid", Aliases: []string{"s6-setsid"}, Dir: "bin", Chain: true, Main: setsidMain,
		Usage: "[ -s | -b | -f | -g ] [ -i | -I | -q ] [ -d ctty ] prog..."},
	{Name: "setlock", Aliases: []string{"s6-setlock"}, Dir: "bin", Chain: true, Main: setlockMain,
		Usage: "[ -n | -N | -t timeout ] [ -r | -w ] file prog..."},
	{Name: "notifyoncheck", Aliases: []string{"s6-notifyoncheck"}, Dir: "bin", Chain: true, Main: notifyoncheckMain,
		Usage: "[ -d ] [ -3 fd ] [ -s initialsleep ] [ -T globaltimeout ] [ -t localtimeout ] [ -w waitingtime ] [ -n tries ] [ -c \"checkprog...\" ] prog..."},
	// Rc.
	{Name: "rc-compile", Aliases: []string{"s6-rc-compile"}, Dir: "bin",
		Usage: "[ -v verbosity ] [ -h fdhuser ] [ -b ] [ -B s6box-path ] compiled source...", Main: rcCompileMain},
	{Name: "rc-init", Aliases: []string{"s6-rc-init"}, Dir: "bin",
		Usage: "[ -c bootdb ] [ -l live ] [ -p prefix ] [ -t timeout ] [ -d ] [ -b ] scandir", Main: rcInitMain},
	{Name: "rc", Aliases: []string{"s6-rc"}, Dir: "bin",
		Usage: "[ -l live ] [ -b ] [ -a ] [ -u | -d | -D ] [ -p ] [ -e | -E ] [ -v verbosity ] [ -n dryrunthrottle ] [ -t timeout ] [ --json ] help|list|listall|diff|change|start|stop|reload|restart|compile|update [ args... ]", Main: rcMain},
	{Name: "rc-update", Aliases: []string{"s6-rc-update"}, Dir: "bin",
		Usage: "[ -n ] [ -v verbosity ] [ -t timeout ] [ -l live ] [ -f convfile ] [ -b ] [ -E | -e ] newdb", Main: rcUpdateMain},
	{Name: "rc-db", Aliases: []string{"s6-rc-db"}, Dir: "bin",
		Usage: "[ -u | -d ] [ -l live ] [ -c compiled ] [ -b ] [ -E | -e ] command...", Main: rcDbMain},
	{Name: "rc-oneshot-runner", Dir: "bin",
		Usage: "(run program of the s6rc-oneshot-runner service)", Main: rcOneshotRunnerMain},
	{Name: "rc-fdholder", Dir: "bin",
		Usage: "(run program of the s6rc-fdholder service)", Main: rcFdholderMain},
	{Name: "rc-pipe-run", Dir: "bin",
		Usage: "(run program of a pipelined longrun: gets its pipes, execs ./run.user)", Main: rcPipeRunMain},
	// Init.
	{Name: "init", Aliases: []string{"s6-linux-init"}, Dir: "sbin", Main: initMain,
		Usage: "[ -c basedir ] [ -C ] [ -B ] [ -n | -N ] [ -M ] [ -d devdir ] [ -H hardlimits ] [ -y ] [ -R rundir ] [ -i rc.init ] [ -k rc.shutdown ] [ -f rc.shutdown.final ] [ -L runlevel ] [ -e envdir ] [ -r run-image ] [ -S scandir ] [ -l loggerservice ] [ -F controlfifo ] [ -X scanner ] [ -g gracems ] [ -x exitservice ] [ -p path ] [ -m umask ] [ -s envdumpdir ] [ -D initdefault ] [ -W fd ] [ -v verb ] [ args... ]"},
	{Name: "init-maker", Aliases: []string{"s6-linux-init-maker"}, Dir: "sbin", Main: initMakerMain,
		Usage: "[ -V verb ] [ -c basedir ] [ -u log_user ] [ -G getty ] [ -1 ] [ -L (ignored: no utmp) ] [ -p path ] [ -m umask ] [ -t 0-3 ] [ -d slashdev ] [ -s env_store ] [ -e VAR=VAL ]... [ -q gracems ] [ -D initdefault ] [ -W fd ] [ -n | -N ] [ -f skeldir ] [ -R limits ] [ -C ] [ -B ] [ -S ] [ -b binary (default: this one) ] [ -l rundir ] [ -x exitservice ] [ -X scanner ] [ -r s6-rc-compiled ] [ -O (s6-overlay mode) ] dir"},
	{Name: "shutdown", Aliases: []string{"s6-linux-init-shutdown"}, Dir: "sbin", Main: shutdownMain,
		Usage: "[ -h [ -H | -P ] | -p | -r | -k ] [ -f | -F ] [ -a ] [ -i ] [ -t sec ] time [ message ] | -c"},
	{Name: "halt", Aliases: []string{"s6-linux-init-halt"}, Dir: "sbin", Main: haltMain, Usage: "[ -n ] [ -f ] [ -d | -w ] [ -W ]"},
	{Name: "poweroff", Aliases: []string{"s6-linux-init-poweroff"}, Dir: "sbin", Main: poweroffMain, Usage: "[ -n ] [ -f ] [ -d | -w ] [ -W ]"},
	{Name: "reboot", Aliases: []string{"s6-linux-init-reboot"}, Dir: "sbin", Main: rebootMain, Usage: "[ -n ] [ -f ] [ -d | -w ] [ -W ]"},
	{Name: "hpr", Aliases: []string{"s6-linux-init-hpr"}, Dir: "sbin", Main: hprMain, Usage: "-h | -p | -r [ -n ] [ -f ] [ -d | -w ] [ -W ]"},
	{Name: "telinit", Aliases: []string{"s6-linux-init-telinit"}, Dir: "sbin", Main: telinitMain, Usage: "runlevel"},
	{Name: "umountall", Aliases: []string{"s6-linux-init-umountall"}, Dir: "sbin", Main: umountallMain, Usage: ""},
	{Name: "runscript", Dir: "bin", Main: runscriptMain, Usage: "scriptfile [ args... ]"},
	{Name: "init-logger", Dir: "sbin", Main: initLoggerMain, Usage: "[ -c ] fifo logger-command..."},
	// s6-overlay's interface (init-maker -O).
	{Name: "overlay-init", Dir: "sbin", Main: overlayInitMain,
		Usage: "[ -c basedir ] [ -m umask ] [ -H limits ] [ -X scanner ] [ -- ] [ cmd... ] (stage 0 of an init-maker -O tree)"},
	{Name: "overlay-stage2", Dir: "sbin", Main: overlayStage2Main, Usage: "runlevel [ cmd... ] (rc.init of an init-maker -O tree)"},
	{Name: "overlay-stage3", Dir: "sbin", Main: overlayStage3Main, Usage: "(rc.shutdown of an init-maker -O tree)"},
	{Name: "with-contenv", Dir: "bin", Chain: true, Main: withContenvMain, Usage: "prog..."},
	{Name: "printcontenv", Dir: "bin", Main: printcontenvMain, Usage: "VAR"},
	{Name: "initramfs", Usage: "-o OUT.cpio.gz [ -b binary ] [ -t inittree ] [ -d destdir ] [ -O overlaydir ]...", Dir: "bin", Main: initramfsMain},
	{Name: "image", Usage: "-o OUTDIR|OUT.tar [ -b binary ] [ -B basedir ] [ -t inittree ] [ -d destdir ] [ -O overlaydir ]... [ -E entrypoint-word ]... [ -e VAR=VAL ]... [ -w workdir ] [ -u user ] [ -s stopsignal ] [ -r refname ] [ -c (applets in /command too) ] [ -- ] [ cmd... ]", Dir: "bin", Main: imageMain},
}

// table is appletTable as a slice. It is set by init, not by an initialiser,
// because applets look themselves up in it (chain-loading, runscript): an
// initialiser would be an initialisation cycle.
var table []Applet

func init() { table = appletTable[:] }

// Table returns the applet table.
func Table() []Applet { return table }
