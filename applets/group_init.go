package applets

// initApplets lists the applets of this group.
func initApplets() []Applet {
	return []Applet{}
}
