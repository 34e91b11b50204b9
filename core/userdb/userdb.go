// Package userdb reads the flat-file user and group databases (/etc/passwd,
// /etc/group) without cgo or NSS, as a statically linked binary must: an
// account is found by name, supplementary groups by membership lists.
package userdb

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Default database paths.
const (
	PasswdFile = "/etc/passwd"
	GroupFile  = "/etc/group"
)

// ErrNotFound means the name is not in the database.
var ErrNotFound = errors.New("not found")

// User is one passwd entry.
type User struct {
	Name string
	UID  int
	GID  int
}

// Group is one group entry.
type Group struct {
	Name    string
	GID     int
	Members []string
}

// scan calls fn for every well-formed line (split on ':') of the file at
// path until fn returns true. Comment lines, blank lines and lines with too
// few fields are skipped, as the C library does.
func scan(path string, minFields int, fn func(f []string) bool) error {
	fh, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("unable to open %s: %w", path, err)
	}
	defer fh.Close()
	r := bufio.NewReader(fh)
	for {
		line, err := r.ReadString('\n')
		line = strings.TrimSuffix(line, "\n")
		if line != "" && line[0] != '#' {
			f := strings.Split(line, ":")
			if len(f) >= minFields && fn(f) {
				return nil
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("unable to read %s: %w", path, err)
		}
	}
}

func parseID(s string) (int, bool) {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, false
	}
	return int(n), true
}

// findUser returns the first well-formed passwd entry that match accepts.
func findUser(path string, match func(User) bool) (User, error) {
	var u User
	found := false
	err := scan(path, 4, func(f []string) bool {
		uid, ok1 := parseID(f[2])
		gid, ok2 := parseID(f[3])
		if !ok1 || !ok2 {
			return false
		}
		u = User{Name: f[0], UID: uid, GID: gid}
		found = match(u)
		return found
	})
	if err != nil {
		return User{}, err
	}
	if !found {
		return User{}, ErrNotFound
	}
	return u, nil
}

// LookupUser finds the first entry named name in the passwd file at path.
func LookupUser(path, name string) (User, error) {
	return findUser(path, func(u User) bool { return u.Name == name })
}

// LookupUserID finds the first entry with uid in the passwd file at path.
func LookupUserID(path string, uid int) (User, error) {
	return findUser(path, func(u User) bool { return u.UID == uid })
}

func parseGroup(f []string) (Group, bool) {
	gid, ok := parseID(f[2])
	if !ok {
		return Group{}, false
	}
	g := Group{Name: f[0], GID: gid}
	if len(f) > 3 && f[3] != "" {
		g.Members = strings.Split(f[3], ",")
	}
	return g, true
}

// findGroup returns the first well-formed group entry that match accepts.
func findGroup(path string, match func(Group) bool) (Group, error) {
	var g Group
	found := false
	err := scan(path, 3, func(f []string) bool {
		g, found = parseGroup(f)
		found = found && match(g)
		return found
	})
	if err != nil {
		return Group{}, err
	}
	if !found {
		return Group{}, ErrNotFound
	}
	return g, nil
}

// LookupGroup finds the first entry named name in the group file at path.
func LookupGroup(path, name string) (Group, error) {
	return findGroup(path, func(g Group) bool { return g.Name == name })
}

// LookupGroupID finds the first entry with gid in the group file at path.
func LookupGroupID(path string, gid int) (Group, error) {
	return findGroup(path, func(g Group) bool { return g.GID == gid })
}

// SupplementaryGroups lists, in file order, the gids of the groups whose
// member list names user. The primary group is not added: it is only listed
// when user is an explicit member of it.
func SupplementaryGroups(path, user string) ([]int, error) {
	var gids []int
	err := scan(path, 3, func(f []string) bool {
		g, ok := parseGroup(f)
		if !ok {
			return false
		}
		for _, m := range g.Members {
			if m == user {
				gids = append(gids, g.GID)
				break
			}
		}
		return false
	})
	return gids, err
}
