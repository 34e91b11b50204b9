package applets

// scannerApplets lists the applets of this group.
func scannerApplets() []Applet {
	return []Applet{
		{Name: "svscan", Aliases: []string{"s6-svscan"}, Dir: "bin",
			Usage: "[ -C services_max | -c max ] [ -L name_max ] [ -t rescan_ms ] [ -d notif ] [ -X consoleholder ] [ -P | -p supervise_prog ] [ scandir ]",
			Main:  svscanMain},
		{Name: "svscanctl", Aliases: []string{"s6-svscanctl"}, Dir: "bin",
			Usage: "[ -zabhitqnN ] scandir",
			Main:  svscanctlMain},
	}
}
