package applets

// chainApplets lists the applets of this group.
func chainApplets() []Applet {
	return []Applet{}
}
