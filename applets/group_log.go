package applets

// logApplets lists the applets of this group.
func logApplets() []Applet {
	return []Applet{
		{Name: "log", Aliases: []string{"s6-log"}, Dir: "bin", Main: logMain,
			Usage: "[ -d notif ] [ -q | -v ] [ -b ] [ -p ] [ -l linelimit ] [ -t lastlinetimeout ] [ -c copyprefix ] [ -- ] logging_script"},
		{Name: "tai64n", Aliases: []string{"s6-tai64n"}, Dir: "bin", Main: tai64nMain, Usage: ""},
		{Name: "tai64nlocal", Aliases: []string{"s6-tai64nlocal"}, Dir: "bin", Main: tai64nlocalMain, Usage: ""},
	}
}
