package applets

// initApplets lists the applets of this group.
func initApplets() []Applet {
	return []Applet{
		{Name: "init", Aliases: []string{"s6-linux-init"}, Dir: "sbin", Main: initMain,
			Usage: "[ -c basedir ] [ -C ] [ -B ] [ -n | -N ] [ -M ] [ -R rundir ] [ -i rc.init ] [ -k rc.shutdown ] [ -f rc.shutdown.final ] [ -L runlevel ] [ -e envdir ] [ -r run-image ] [ -S scandir ] [ -l loggerservice ] [ -F controlfifo ] [ -X scanner ] [ -g gracems ] [ -x exitservice ] [ -p path ] [ -m umask ] [ -s envdumpdir ] [ -D initdefault ] [ -W fd ] [ -v verb ] [ args... ]"},
		{Name: "init-maker", Aliases: []string{"s6-linux-init-maker"}, Dir: "sbin", Main: initMakerMain,
			Usage: "[ -c basedir ] [ -b binary ] [ -1 ] [ -t 0-3 ] [ -G getty ] [ -p path ] [ -m umask ] [ -q gracems ] [ -D initdefault ] [ -n | -N ] [ -C ] [ -B ] [ -e VAR=VAL ]... [ -x exitservice ] [ -X scanner ] [ -l rundir ] [ -r s6-rc-compiled ] [ -W fd ] [ -V verb ] dir"},
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
		{Name: "initramfs", Usage: "-o OUT.cpio.gz [ -b binary ] [ -t inittree ] [ -d destdir ] [ -O overlaydir ]...", Dir: "bin", Main: initramfsMain},
	}
}
