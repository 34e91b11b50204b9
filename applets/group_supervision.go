package applets

// supervisionApplets lists the applets of this group.
func supervisionApplets() []Applet {
	return []Applet{
		{Name: "supervise", Aliases: []string{"s6-supervise"}, Usage: "DIR", Dir: "bin", Main: superviseMain},
		svcApplet(),
		svstatApplet(),
		svwaitApplet(),
		svlisten1Applet(),
		svlistenApplet(),
		svokApplet(),
		svdtApplet(),
		svdtClearApplet(),
		svpermsApplet(),
	}
}
