package applets

// supervisionApplets lists the applets of this group.
func supervisionApplets() []Applet {
	return []Applet{
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
