package applets

// logApplets lists the applets of this group.
func logApplets() []Applet {
	return []Applet{}
}
