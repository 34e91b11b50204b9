package applets

// Table returns the applet table. It is built on demand, not at package
// initialisation, so processes pay for it only when they dispatch. Each group
// lives in its own file.
func Table() []Applet {
	var t []Applet
	t = append(t, supervisionApplets()...)
	t = append(t, scannerApplets()...)
	t = append(t, logApplets()...)
	t = append(t, chainApplets()...)
	t = append(t, rcApplets()...)
	t = append(t, initApplets()...)
	return t
}
