package applets

// supervisionApplets lists the applets of this group.
func supervisionApplets() []Applet {
	return []Applet{}
}
