package applets

// rcApplets lists the applets of this group.
func rcApplets() []Applet {
	return []Applet{}
}
