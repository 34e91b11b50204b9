package applets

// initApplets lists the applets of this group.
func initApplets() []Applet {
	return []Applet{
		{Name: "initramfs", Usage: "-o OUT.cpio.gz [ -b binary ] [ -t inittree ] [ -d destdir ] [ -O overlaydir ]...", Dir: "bin", Main: initramfsMain},
	}
}
