package applets

// rcApplets lists the applets of this group.
func rcApplets() []Applet {
	return []Applet{
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
	}
}
