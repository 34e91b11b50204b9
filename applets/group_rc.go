package applets

// rcApplets lists the applets of this group.
func rcApplets() []Applet {
	return []Applet{
		{Name: "rc-compile", Aliases: []string{"s6-rc-compile"}, Dir: "bin",
			Usage: "[ -v verbosity ] [ -h fdhuser ] [ -b ] compiled source...", Main: rcCompileMain},
	}
}
