package fdholder

import (
	"bufio"
	"os"
	"path/filepath"
	"testing"

	"s6box/rcdb/usock"
)

func TestPipesSurviveClients(t *testing.T) {
	h, err := New([]string{"log"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	wd, _ := os.Getwd()
	os.Chdir(dir)
	ln, err := usock.Listen("s")
	os.Chdir(wd)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go h.Serve(ln)
	sock := filepath.Join(dir, "s")
	w, err := Retrieve(sock, "w", "log")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("one\n"))
	w.Close() // a producer dies: the pipe stays open in the holder
	w, err = Retrieve(sock, "w", "log")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("two\n"))
	r, err := Retrieve(sock, "r", "log")
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(r)
	for _, want := range []string{"one\n", "two\n"} {
		if l, err := br.ReadString('\n'); l != want {
			t.Errorf("read %q %v, want %q", l, err, want)
		}
	}
	if _, err := Retrieve(sock, "r", "nope"); err == nil {
		t.Error("retrieved a pipe that does not exist")
	}
	if err := Command(sock, "add", "new"); err != nil {
		t.Fatal(err)
	}
	if _, err := Retrieve(sock, "r", "new"); err != nil {
		t.Errorf("added pipe: %v", err)
	}
	w, _ = Retrieve(sock, "w", "new")
	w.Write([]byte("kept\n"))
	if err := Command(sock, "mv", "new renamed"); err != nil {
		t.Fatal(err)
	}
	r, err = Retrieve(sock, "r", "renamed")
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := bufio.NewReader(r).ReadString('\n'); l != "kept\n" {
		t.Errorf("renamed pipe lost its data: %q", l)
	}
	if err := Command(sock, "mv", "nope x"); err == nil {
		t.Error("renamed a missing pipe")
	}
	Command(sock, "del", "renamed")
	if _, err := Retrieve(sock, "r", "renamed"); err == nil {
		t.Error("deleted pipe still served")
	}
	if _, err := Retrieve(sock, "r", "new"); err == nil {
		t.Error("deleted pipe still served")
	}
}
