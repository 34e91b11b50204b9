package applets

// chainApplets lists the applets of this group. Those marked Chain run
// in-process when another chain-loader of this binary execs into them.
func chainApplets() []Applet {
	return []Applet{
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
	}
}
