package applets

// scannerApplets lists the applets of this group.
func scannerApplets() []Applet {
	return []Applet{}
}
