// Package svperms reads and sets who may read a service's status, send it
// commands and subscribe to its events, through the modes and groups of
// DIR/supervise, DIR/supervise/control and DIR/event (s6-svperms).
package svperms

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"s6box/core/userdb"
)

// Access to supervise/ (status readers).
type Access int

const (
	Owner  Access = iota // supervise 0700, control 0600
	Group                // supervise 0710 (group readers)
	Public               // supervise 0711 (everyone may read status)
)

// Setting is what to change: the status access, whether the group may also
// write to control (ControlGroup), and the group (Gid, for Group access or
// ControlGroup).
type Setting struct {
	Access       Access
	ControlGroup bool
	Gid          int
}

// EventPublic asks for a public event fifodir (01733).
const EventPublic = -1

// GroupID resolves a group: ":N" is a numeric gid, anything else a name in
// the group database.
func GroupID(s string) (int, error) {
	if len(s) > 0 && s[0] == ':' {
		n, err := strconv.ParseUint(s[1:], 10, 32)
		if err != nil {
			return 0, fmt.Errorf("invalid gid: %s", s)
		}
		return int(n), nil
	}
	g, err := userdb.LookupGroup(userdb.GroupFile, s)
	if err != nil {
		return 0, fmt.Errorf("unable to find entry for %s in group database", s)
	}
	return g.GID, nil
}

// GroupName is the name of gid, or its number when it has none.
func GroupName(gid uint32) string {
	if g, err := userdb.LookupGroupID(userdb.GroupFile, int(gid)); err == nil {
		return g.Name
	}
	return strconv.FormatUint(uint64(gid), 10)
}

// ownerGid is the primary group of the owner of path (0 if unknown).
func ownerGid(path string) (int, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return 0, fmt.Errorf("unable to stat %s: %w", path, err)
	}
	u, err := userdb.LookupUserID(userdb.PasswdFile, int(st.Uid))
	if err != nil {
		return 0, nil
	}
	return u.GID, nil
}

func chownChmod(path string, gid int, mode os.FileMode) error {
	if err := os.Chown(path, -1, gid); err != nil {
		return fmt.Errorf("unable to chown %s: %w", path, err)
	}
	if err := os.Chmod(path, mode); err != nil {
		return fmt.Errorf("unable to chmod %s: %w", path, err)
	}
	return nil
}

// SetSupervise applies s to DIR/supervise and DIR/supervise/control.
func SetSupervise(dir string, s Setting) error {
	sup := filepath.Join(dir, "supervise")
	var gid int
	var mode os.FileMode
	switch s.Access {
	case Group:
		gid, mode = s.Gid, 0o710
	case Public:
		mode = 0o711
	default:
		mode = 0o700
	}
	if s.Access != Group {
		g, err := ownerGid(sup)
		if err != nil {
			return err
		}
		gid = g
	}
	if err := chownChmod(sup, gid, mode); err != nil {
		return err
	}
	ctl := filepath.Join(sup, "control")
	if s.ControlGroup {
		return chownChmod(ctl, s.Gid, 0o620)
	}
	g, err := ownerGid(ctl)
	if err != nil {
		return err
	}
	return chownChmod(ctl, g, 0o600)
}

// SetEvent makes DIR/event private to group gid (03730) or public (01733)
// when gid is EventPublic.
func SetEvent(dir string, gid int) error {
	ev := filepath.Join(dir, "event")
	mode := os.FileMode(0o730) | os.ModeSetgid | os.ModeSticky
	if gid == EventPublic {
		g, err := ownerGid(ev)
		if err != nil {
			return err
		}
		gid, mode = g, os.FileMode(0o733)|os.ModeSticky
	}
	return chownChmod(ev, gid, mode)
}

// Report describes the permissions of dir as lines
// "DIR status: owner|group NAME|public", "DIR control: owner|group NAME",
// "DIR events: group NAME|public". Each problem (missing entry, wrong type,
// modes s6 never sets) is returned in problems and ends the report of that
// part (supervise/ with control/, or event/), as s6-svperms does.
func Report(dir string) (lines, problems []string) {
	sup := filepath.Join(dir, "supervise")
	l, p := reportSupervise(dir, sup)
	lines = append(lines, l...)
	if p != "" {
		problems = append(problems, p)
	}
	if l, p := reportEvent(dir); p != "" {
		problems = append(problems, p)
	} else {
		lines = append(lines, l)
	}
	return lines, problems
}

func reportSupervise(dir, sup string) ([]string, string) {
	var st syscall.Stat_t
	if err := syscall.Stat(sup, &st); err != nil {
		return nil, fmt.Sprintf("unable to stat %s: %v", sup, err)
	}
	perm := st.Mode & 0o7777
	if st.Mode&syscall.S_IFMT != syscall.S_IFDIR {
		return nil, sup + " is not a directory"
	}
	// Only 0700, 0710 and 0711 (with no write or setid bits for others) are sane.
	if perm&0o5066 != 0 || perm&0o700 != 0o700 || (perm&0o001 != 0 && perm&0o010 == 0) {
		return nil, fmt.Sprintf("%s has incorrect permissions: %o", sup, perm)
	}
	status := "owner"
	switch {
	case perm&0o001 != 0:
		status = "public"
	case perm&0o010 != 0:
		status = "group " + GroupName(st.Gid)
	}
	first := []string{dir + " status: " + status}
	ctl := filepath.Join(sup, "control")
	if err := syscall.Stat(ctl, &st); err != nil {
		return first, fmt.Sprintf("unable to stat %s: %v", ctl, err)
	}
	perm = st.Mode & 0o7777
	if st.Mode&syscall.S_IFMT != syscall.S_IFIFO {
		return first, ctl + " is not a named pipe"
	}
	if perm&0o157 != 0 {
		return first, fmt.Sprintf("%s has incorrect permissions: %o", ctl, perm)
	}
	control := "owner"
	if perm&0o020 != 0 {
		control = "group " + GroupName(st.Gid)
	}
	return append(first, dir+" control: "+control), ""
}

func reportEvent(dir string) (string, string) {
	ev := filepath.Join(dir, "event")
	var st syscall.Stat_t
	if err := syscall.Stat(ev, &st); err != nil {
		return "", fmt.Sprintf("unable to stat %s: %v", ev, err)
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFDIR {
		return "", ev + " is not a directory"
	}
	switch perm := st.Mode & 0o7777; perm {
	case 0o3730:
		return dir + " events: group " + GroupName(st.Gid), ""
	case 0o1733:
		return dir + " events: public", ""
	default:
		return "", fmt.Sprintf("%s has incorrect permissions: %o", ev, perm)
	}
}
