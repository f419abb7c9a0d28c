package logfile

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A writer process for TestTwoProcessesRotateWithoutLosingRecords.
func TestMain(m *testing.M) {
	if path := os.Getenv("LOGFILE_TEST_WRITER"); path != "" {
		os.Exit(writeRecords(path, os.Getenv("LOGFILE_TEST_ID")))
	}
	os.Exit(m.Run())
}

const (
	testMax     = 200 << 10
	testRecords = 20000
)

func writeRecords(path, id string) int {
	l, err := Open(path, testMax, 1000)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer l.Close()
	for i := range testRecords {
		if _, err := fmt.Fprintf(l, "writer=%s n=%d %s\n", id, i, strings.Repeat("x", 40)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return 0
}

func TestRotatesWhileWritingAndKeepsN(t *testing.T) {
	path := filepath.Join(t.TempDir(), "herald.log")
	l, err := Open(path, 100<<10, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	line := strings.Repeat("y", 99) + "\n"
	for range 10000 { // ~1 MB: about 10 rotations
		if _, err := l.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	if l.rotated < 6 { // at most 100 KB + checkEvery each
		t.Errorf("%d rotations for 1 MB at 100 KB", l.rotated)
	}
	for k, want := range map[string]bool{"": true, ".1": true, ".2": true, ".3": true, ".4": false} {
		_, err := os.Stat(path + k)
		if got := err == nil; got != want {
			t.Errorf("herald.log%s exists: %v, want %v", k, got, want)
		}
	}
	for _, k := range []string{"", ".1", ".2", ".3"} {
		if fi, err := os.Stat(path + k); err == nil && fi.Size() > 100<<10+checkEvery {
			t.Errorf("herald.log%s is %d bytes", k, fi.Size())
		}
	}
}

func TestOpenRotatesAnOversizedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "herald.log")
	if err := os.WriteFile(path, make([]byte, 2000), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := Open(path, 1000, 2)
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	if fi, err := os.Stat(path + ".1"); err != nil || fi.Size() != 2000 {
		t.Errorf("herald.log.1: %v %v", fi, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != 0 || fi.Mode().Perm() != 0o600 {
		t.Errorf("herald.log: %v %v", fi, err)
	}
}

// Two processes appending and rotating one log: every record is in
// exactly one file, whole, and no file grows far past the limit.
func TestTwoProcessesRotateWithoutLosingRecords(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "herald.log")
	var cmds []*exec.Cmd
	for _, id := range []string{"a", "b"} {
		c := exec.Command(os.Args[0], "-test.run=^$")
		c.Env = append(os.Environ(), "LOGFILE_TEST_WRITER="+path, "LOGFILE_TEST_ID="+id)
		c.Stderr = os.Stderr
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, c)
	}
	for _, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := filepath.Glob(path + "*")
	seen := map[string]int{}
	for _, f := range files {
		if fi, _ := os.Stat(f); fi.Size() > testMax+2*checkEvery+100 {
			t.Errorf("%s is %d bytes", filepath.Base(f), fi.Size())
		}
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			var id string
			var n int
			var tail string
			if _, err := fmt.Sscanf(sc.Text(), "writer=%s n=%d %s", &id, &n, &tail); err != nil || tail != strings.Repeat("x", 40) {
				t.Fatalf("%s: broken record %q", filepath.Base(f), sc.Text())
			}
			seen[id+strconv.Itoa(n)]++
		}
		fh.Close()
	}
	if len(files) < 5 {
		t.Errorf("%d files: the writers did not rotate", len(files))
	}
	for _, id := range []string{"a", "b"} {
		for n := range testRecords {
			if c := seen[id+strconv.Itoa(n)]; c != 1 {
				t.Fatalf("record %s %d found %d times", id, n, c)
			}
		}
	}
}
