package packaging

// These tests check the packages `make package-linux` and `make
// package-windows` wrote to HERALD_DIST: `make package-test` builds them and
// runs this with HERALD_DIST=dist. Without HERALD_DIST they fail under CI
// (CI=true) and skip elsewhere, like the engine/testenv checks. The .deb test
// really installs the package with dpkg (root, as in CI) and removes it.
//
// Optional, set by the Makefile: HERALD_PKG_VERSION (the version in the
// file names and package metadata) and HERALD_VERSION_LINE (exactly what
// `herald --version` must print).

import (
	"bufio"
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"debug/pe"
	"encoding/binary"
	"errors"
	"fmt"
	"image/png"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/heraldpush/herald/engine/testenv"
)

const (
	appID   = "io.github.heraldpush.herald"
	mainPkg = "github.com/heraldpush/herald/cmd/herald"
	trayPkg = "github.com/heraldpush/herald/cmd/herald-tray"
)

// The hicolor sizes packaging/icons renders.
var iconSizes = []int{16, 22, 24, 32, 48, 64, 128, 256}

// What packaging/linux/nfpm.yaml declares. The X libraries other than
// libX11 are loaded by GLFW with dlopen, so only the list says they are needed.
var (
	wantDepends    = []string{"libc6", "libgl1", "libx11-6", "libxcursor1", "libxrandr2", "libxinerama1", "libxi6", "libxxf86vm1"}
	wantRecommends = []string{"gnome-keyring", "fonts-wqy-microhei"}
)

// The shell completion scripts the .deb installs, where each shell looks
// for a package's.
var completionFiles = map[string]string{
	"bash": "/usr/share/bash-completion/completions/herald",
	"zsh":  "/usr/share/zsh/vendor-completions/_herald",
	"fish": "/usr/share/fish/vendor_completions.d/herald.fish",
}

// missing fails under CI and skips elsewhere.
func missing(t *testing.T, what, how string) {
	t.Helper()
	if testenv.InCI() {
		t.Fatalf("%s is required in CI but is not available: %s", what, how)
	}
	t.Skipf("skipping: %s is not available (%s)", what, how)
}

func needTool(t *testing.T, name, debPackage string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		missing(t, name, "install the Debian package "+debPackage)
	}
}

// artifact is the one file in HERALD_DIST matching pattern, whose %s is the
// package version (any version when HERALD_PKG_VERSION is unset).
func artifact(t *testing.T, pattern string) string {
	t.Helper()
	dir := os.Getenv("HERALD_DIST")
	if dir == "" {
		missing(t, "HERALD_DIST (the folder holding the built packages)",
			"`make package-test` builds them into dist/ and sets it")
	}
	v := os.Getenv("HERALD_PKG_VERSION")
	if v == "" {
		v = "*"
	}
	glob := filepath.Join(dir, fmt.Sprintf(pattern, v))
	found, err := filepath.Glob(glob)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 {
		t.Fatalf("want exactly one %s, found %d: %v", glob, len(found), found)
	}
	return found[0]
}

// run runs a command and returns its combined output; any failure is fatal.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// checkVersion runs BIN --version: the stamp the Makefile put in with -X.
func checkVersion(t *testing.T, bin string) {
	t.Helper()
	cmd := exec.Command(bin, "--version")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s --version: %v\n%s", bin, err, out)
	}
	got := strings.TrimSpace(string(out))
	if want := os.Getenv("HERALD_VERSION_LINE"); want != "" {
		if got != want {
			t.Errorf("%s --version = %q, want %q", bin, got, want)
		}
		return
	}
	m := regexp.MustCompile(`^herald (\S+) \(commit (\S+), built (\S+)\)$`).FindStringSubmatch(got)
	if m == nil || m[1] == "dev" || m[3] == "unknown" {
		t.Errorf("%s --version = %q, want the version, commit and date set with -ldflags", bin, got)
	}
}

// checkBuildInfo checks how the binary was built: fyne package --release
// with Herald's build tags, cgo on, for goos.
func checkBuildInfo(t *testing.T, path, goos string) {
	t.Helper()
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: build info: %v", path, err)
	}
	if bi.Path != mainPkg {
		t.Errorf("%s: main package %q, want %q", path, bi.Path, mainPkg)
	}
	set := map[string]string{}
	for _, s := range bi.Settings {
		set[s.Key] = s.Value
	}
	for k, want := range map[string]string{"GOOS": goos, "GOARCH": "amd64", "CGO_ENABLED": "1", "-trimpath": "true"} {
		if goos == "linux" && k == "GOARCH" {
			want = runtime.GOARCH
		}
		if set[k] != want {
			t.Errorf("%s: built with %s=%q, want %q", path, k, set[k], want)
		}
	}
	tags := strings.Split(set["-tags"], ",")
	for _, tag := range []string{"migrated_fynedo", "release"} {
		if !slices.Contains(tags, tag) {
			t.Errorf("%s: build tags %q lack %s", path, set["-tags"], tag)
		}
	}
}

// desktopEntry reads the [Desktop Entry] group's keys.
func desktopEntry(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{}
	group := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			group = line
		case group == "[Desktop Entry]":
			k, v, _ := strings.Cut(line, "=")
			keys[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return keys
}

// validateDesktop runs desktop-file-validate, which must pass with nothing to say.
func validateDesktop(t *testing.T, path string) {
	t.Helper()
	out, err := exec.Command("desktop-file-validate", path).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("desktop-file-validate %s: %v\n%s", path, err, out)
	}
}

func checkPNG(t *testing.T, path string, size int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Error(err)
		return
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Errorf("%s: %v", path, err)
		return
	}
	if cfg.Width != size || cfg.Height != size {
		t.Errorf("%s is %d×%d, want %d×%d", path, cfg.Width, cfg.Height, size, size)
	}
}

func TestLinuxTarball(t *testing.T) {
	tarball := artifact(t, "herald-%s-linux-"+runtime.GOARCH+".tar.xz")
	needTool(t, "xz", "xz-utils")
	needTool(t, "desktop-file-validate", "desktop-file-utils")
	dir := t.TempDir()
	run(t, "tar", "-xJf", tarball, "-C", dir)

	// fyne's layout: herald/Makefile (make install / user-install) and the
	// files under usr/local (usr when the build machine had no /usr/local).
	root := filepath.Join(dir, "herald")
	if _, err := os.Stat(filepath.Join(root, "Makefile")); err != nil {
		t.Errorf("no Makefile in %s: %v", tarball, err)
	}
	prefix := filepath.Join(root, "usr", "local")
	if _, err := os.Stat(prefix); err != nil {
		prefix = filepath.Join(root, "usr")
	}
	bin := filepath.Join(prefix, "bin", "herald")
	if fi, err := os.Stat(bin); err != nil || fi.Mode()&0o111 == 0 {
		t.Fatalf("%s: no executable bin/herald (%v)", tarball, err)
	}
	checkVersion(t, bin)
	checkBuildInfo(t, bin, "linux")

	desktop := filepath.Join(prefix, "share", "applications", "Herald.desktop")
	validateDesktop(t, desktop)
	e := desktopEntry(t, desktop)
	if e["Name"] != "Herald" || e["Exec"] != "herald" || e["Icon"] != "Herald" || e["Categories"] != "Utility;" {
		t.Errorf("%s: Name=%q Exec=%q Icon=%q Categories=%q, want Herald, herald, Herald, Utility; (from FyneApp.toml)",
			desktop, e["Name"], e["Exec"], e["Icon"], e["Categories"])
	}
	checkPNG(t, filepath.Join(prefix, "share", "pixmaps", "Herald.png"), 256)
}

// debField reads the .deb's control fields.
func debFields(t *testing.T, deb string) map[string]string {
	t.Helper()
	out := run(t, "dpkg-deb", "-f", deb, "Package", "Version", "Architecture", "Depends", "Recommends")
	fields := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok {
			fields[k] = v
		}
	}
	return fields
}

// relationNames are the package names in a Depends-style list.
func relationNames(list string) []string {
	var names []string
	for _, rel := range strings.Split(list, ",") {
		if f := strings.Fields(rel); len(f) > 0 {
			names = append(names, f[0])
		}
	}
	return names
}

func debStatus(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("dpkg-query", "-W", "-f=${Status}", "herald").Output()
	if err != nil {
		return "" // not known to dpkg at all
	}
	return string(out)
}

func TestDebInstallRunRemove(t *testing.T) {
	deb := artifact(t, "herald_%s_"+runtime.GOARCH+".deb")
	for _, tool := range []string{"dpkg", "dpkg-deb", "dpkg-query"} {
		needTool(t, tool, "dpkg")
	}
	needTool(t, "desktop-file-validate", "desktop-file-utils")

	// Metadata and contents, before anything is installed.
	f := debFields(t, deb)
	if f["Package"] != "herald" || f["Architecture"] != runtime.GOARCH {
		t.Errorf("%s: Package=%q Architecture=%q, want herald and %s", deb, f["Package"], f["Architecture"], runtime.GOARCH)
	}
	if v := os.Getenv("HERALD_PKG_VERSION"); v != "" && f["Version"] != v {
		t.Errorf("%s: Version=%q, want %q", deb, f["Version"], v)
	}
	depends, recommends := relationNames(f["Depends"]), relationNames(f["Recommends"])
	for _, p := range wantDepends {
		if !slices.Contains(depends, p) {
			t.Errorf("%s: Depends %q lacks %s", deb, f["Depends"], p)
		}
	}
	if !regexp.MustCompile(`(^|, )libc6 \(>= 2\.\d+\)`).MatchString(f["Depends"]) {
		t.Errorf("%s: Depends %q: want libc6 with the binary's minimum glibc version", deb, f["Depends"])
	}
	for _, p := range wantRecommends {
		if !slices.Contains(recommends, p) {
			t.Errorf("%s: Recommends %q lacks %s", deb, f["Recommends"], p)
		}
	}
	modes := map[string]string{} // path in the package → permissions
	for _, line := range strings.Split(strings.TrimSpace(run(t, "dpkg-deb", "-c", deb)), "\n") {
		fl := strings.Fields(line)
		if len(fl) < 6 {
			t.Fatalf("dpkg-deb -c: unexpected line %q", line)
		}
		p := strings.TrimPrefix(fl[len(fl)-1], ".")
		if !strings.HasPrefix(p, "/usr/") {
			t.Errorf("%s installs %s, outside /usr", deb, p)
		}
		modes[p] = fl[0]
	}
	wantFiles := map[string]string{
		"/usr/bin/herald":                               "-rwxr-xr-x",
		"/usr/bin/herald-tray":                          "-rwxr-xr-x",
		"/usr/share/applications/" + appID + ".desktop": "-rw-r--r--",
	}
	for _, n := range iconSizes {
		wantFiles[fmt.Sprintf("/usr/share/icons/hicolor/%dx%d/apps/%s.png", n, n, appID)] = "-rw-r--r--"
	}
	for _, p := range completionFiles {
		wantFiles[p] = "-rw-r--r--"
	}
	for p, mode := range wantFiles {
		if modes[p] != mode {
			t.Errorf("%s: %s has mode %q, want %q", deb, p, modes[p], mode)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	// Install it for real.
	if os.Geteuid() != 0 {
		missing(t, "root", "dpkg -i needs root; CI runs the tests as root")
	}
	if s := debStatus(t); strings.HasSuffix(s, " installed") {
		t.Fatalf("herald is already installed (%s); remove it (dpkg -r herald) and run again", s)
	}
	if _, err := os.Lstat("/usr/bin/herald"); err == nil {
		t.Fatal("/usr/bin/herald exists but belongs to no package: remove it and run again")
	}
	t.Log(run(t, "dpkg", "-i", deb))
	t.Cleanup(func() {
		if debStatus(t) != "" {
			_ = exec.Command("dpkg", "--purge", "herald").Run()
		}
	})
	if s := debStatus(t); s != "install ok installed" {
		t.Fatalf("after dpkg -i: status %q", s)
	}

	checkVersion(t, "/usr/bin/herald")

	// Every library the binary links is one the package depends on.
	ef, err := elf.Open("/usr/bin/herald")
	if err != nil {
		t.Fatal(err)
	}
	needed, err := ef.ImportedLibraries()
	ef.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, soname := range needed {
		out, err := exec.Command("dpkg", "-S", "*/"+soname).Output()
		if err != nil {
			t.Errorf("no installed package provides %s (NEEDED by /usr/bin/herald)", soname)
			continue
		}
		declared := false
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			owner, _, _ := strings.Cut(line, ": ")
			owner, _, _ = strings.Cut(owner, ":") // libgl1:amd64
			for _, o := range strings.Split(owner, ", ") {
				declared = declared || slices.Contains(depends, o)
			}
		}
		if !declared {
			t.Errorf("/usr/bin/herald needs %s (%s) but Depends is %q", soname, strings.TrimSpace(string(out)), f["Depends"])
		}
	}

	desktop := "/usr/share/applications/" + appID + ".desktop"
	validateDesktop(t, desktop)
	e := desktopEntry(t, desktop)
	if exe := strings.Fields(e["Exec"]); len(exe) == 0 || exe[0] != "herald" {
		t.Errorf("%s: Exec=%q, want herald (/usr/bin on PATH)", desktop, e["Exec"])
	}
	if e["Icon"] != appID {
		t.Errorf("%s: Icon=%q, want %q", desktop, e["Icon"], appID)
	}
	for _, n := range iconSizes {
		checkPNG(t, fmt.Sprintf("/usr/share/icons/hicolor/%dx%d/apps/%s.png", n, n, appID), n)
	}
	checkCompletions(t)

	// Remove it: every file it installed goes.
	var files []string
	for _, p := range strings.Split(strings.TrimSpace(run(t, "dpkg", "-L", "herald")), "\n") {
		if fi, err := os.Lstat(p); err == nil && !fi.IsDir() {
			files = append(files, p)
		}
	}
	if len(files) != len(wantFiles) {
		t.Errorf("dpkg -L herald lists %d files, want %d: %v", len(files), len(wantFiles), files)
	}
	t.Log(run(t, "dpkg", "-r", "herald"))
	if s := debStatus(t); strings.HasSuffix(s, " installed") || strings.Contains(s, "config-files") {
		t.Errorf("after dpkg -r: status %q", s)
	}
	for _, p := range files {
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s is still there after dpkg -r (%v)", p, err)
		}
	}
}

// bashCompletes loads the installed bash script the way bash-completion
// does on the first tab after "herald", then completes "herald chan".
const bashCompletes = `source /usr/share/bash-completion/bash_completion
if declare -F _comp_load >/dev/null; then _comp_load herald; else __load_completion herald; fi
fn=$(complete -p herald | sed -n 's/.* -F \([^ ]*\) .*/\1/p')
COMP_WORDS=(herald chan) COMP_CWORD=1 COMP_LINE="herald chan" COMP_POINT=11
"$fn" herald chan herald
printf '%s\n' "${COMPREPLY[@]}"`

// checkCompletions: each installed script is what the installed binary
// prints for its shell, and bash's completes a verb through it.
func checkCompletions(t *testing.T) {
	t.Helper()
	for shell, path := range completionFiles {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s completion: %v", shell, err)
			continue
		}
		if want := run(t, "/usr/bin/herald", "completion", shell); string(data) != want {
			t.Errorf("%s is not what `herald completion %s` prints", path, shell)
		}
	}
	if data, _ := os.ReadFile(completionFiles["zsh"]); !bytes.HasPrefix(data, []byte("#compdef herald\n")) {
		t.Errorf("%s does not start with #compdef herald: zsh would not autoload it", completionFiles["zsh"])
	}
	t.Run("bash", func(t *testing.T) { // a skip here leaves the removal checks to run
		if _, err := os.Stat("/usr/share/bash-completion/bash_completion"); err != nil {
			missing(t, "bash-completion", "install the Debian package bash-completion")
		}
		cmd := exec.Command("bash", "--norc", "--noprofile", "-c", bashCompletes)
		cmd.Env = append(os.Environ(), "PATH=/usr/bin:/bin", "HOME="+t.TempDir())
		out, err := cmd.Output() // stderr: bash warns about compopt outside a real completion
		if err != nil || strings.TrimSpace(string(out)) != "channel" {
			t.Errorf("bash completion of `herald chan` from %s: %v, %q", completionFiles["bash"], err, out)
		}
	})
}

// resource is one leaf of a PE resource tree.
type resource struct {
	typ  uint32 // RT_*
	data []byte
}

// Resource types (winuser.h).
const (
	rtIcon      = 3
	rtGroupIcon = 14
	rtVersion   = 16
	rtManifest  = 24
)

// peResources walks the .rsrc section: type → name → language → data.
func peResources(f *pe.File) ([]resource, error) {
	sec := f.Section(".rsrc")
	if sec == nil {
		return nil, errors.New("no .rsrc section")
	}
	raw, err := sec.Data()
	if err != nil {
		return nil, err
	}
	le := binary.LittleEndian
	bad := errors.New("malformed resource directory")
	var out []resource
	var walk func(off uint32, depth int, typ uint32) error
	walk = func(off uint32, depth int, typ uint32) error {
		if depth > 3 || uint64(off)+16 > uint64(len(raw)) {
			return bad
		}
		n := uint32(le.Uint16(raw[off+12:])) + uint32(le.Uint16(raw[off+14:]))
		for i := uint32(0); i < n; i++ {
			e := off + 16 + 8*i
			if uint64(e)+8 > uint64(len(raw)) {
				return bad
			}
			id, target := le.Uint32(raw[e:]), le.Uint32(raw[e+4:])
			if depth == 0 {
				typ = id
			}
			if target&0x80000000 != 0 {
				if err := walk(target&0x7fffffff, depth+1, typ); err != nil {
					return err
				}
				continue
			}
			if uint64(target)+16 > uint64(len(raw)) {
				return bad
			}
			rva, size := le.Uint32(raw[target:]), le.Uint32(raw[target+4:])
			start := uint64(rva) - uint64(sec.VirtualAddress)
			if rva < sec.VirtualAddress || start+uint64(size) > uint64(len(raw)) {
				return bad
			}
			out = append(out, resource{typ, raw[start : start+uint64(size)]})
		}
		return nil
	}
	return out, walk(0, 0, 0)
}

func utf16Bytes(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

// openPE64 opens path, which must be a 64-bit Windows program of
// subsystem sub; unless is what the wrong subsystem would do.
func openPE64(t *testing.T, path string, sub uint16, unless string) *pe.File {
	t.Helper()
	f, err := pe.Open(path)
	if err != nil {
		t.Fatalf("%s is not a PE file: %v", path, err)
	}
	t.Cleanup(func() { f.Close() })
	oh, ok := f.OptionalHeader.(*pe.OptionalHeader64)
	if !ok || f.Machine != pe.IMAGE_FILE_MACHINE_AMD64 {
		t.Fatalf("%s: machine %#x, optional header %T; want AMD64 PE32+", path, f.Machine, f.OptionalHeader)
	}
	if oh.Subsystem != sub {
		t.Errorf("%s: subsystem %d, want %d: %s", path, oh.Subsystem, sub, unless)
	}
	return f
}

func TestWindowsExe(t *testing.T) {
	path := artifact(t, "herald-%s-windows-amd64.exe")
	f := openPE64(t, path, pe.IMAGE_SUBSYSTEM_WINDOWS_GUI, "a console would open with the app")

	// cgo: Fyne's OpenGL driver is linked in, and only DLLs Windows ships
	// are imported (no mingw runtime such as libwinpthread-1.dll).
	syms, err := f.ImportedSymbols() // "name:DLL"; debug/pe's ImportedLibraries is a stub
	if err != nil {
		t.Fatal(err)
	}
	var dlls []string
	for _, s := range syms {
		if _, dll, ok := strings.Cut(s, ":"); ok && !slices.Contains(dlls, dll) {
			dlls = append(dlls, dll)
		}
	}
	if !slices.ContainsFunc(dlls, func(d string) bool { return strings.EqualFold(d, "opengl32.dll") }) {
		t.Errorf("%s imports %v: no opengl32.dll, so not a cgo build of Fyne's GL driver", path, dlls)
	}
	for _, d := range dlls {
		if strings.HasPrefix(strings.ToLower(d), "lib") {
			t.Errorf("%s imports %s, which Windows does not have", path, d)
		}
	}

	// Icon, version information and manifest embedded by fyne package.
	res, err := peResources(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	byType := map[uint32][][]byte{}
	for _, r := range res {
		byType[r.typ] = append(byType[r.typ], r.data)
	}
	for typ, name := range map[uint32]string{rtIcon: "RT_ICON", rtGroupIcon: "RT_GROUP_ICON", rtVersion: "RT_VERSION", rtManifest: "RT_MANIFEST"} {
		if len(byType[typ]) == 0 {
			t.Errorf("%s has no %s resource", path, name)
		}
	}
	if m := byType[rtManifest]; len(m) > 0 && !bytes.Contains(m[0], []byte(`name="Herald"`)) {
		t.Errorf("%s: manifest does not name Herald:\n%s", path, m[0])
	}
	if v := byType[rtVersion]; len(v) > 0 {
		if !bytes.Contains(v[0], utf16Bytes("ProductName")) || !bytes.Contains(v[0], utf16Bytes("Herald")) {
			t.Errorf("%s: version information lacks ProductName Herald", path)
		}
		if pv := os.Getenv("HERALD_PKG_VERSION"); pv != "" && !bytes.Contains(v[0], utf16Bytes(pv+".")) {
			t.Errorf("%s: version information lacks %s", path, pv)
		}
	}

	checkBuildInfo(t, path, "windows")
	if line := strings.Fields(os.Getenv("HERALD_VERSION_LINE")); len(line) > 1 {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(data, []byte(line[1])) {
			t.Errorf("%s does not carry the version %q set with -ldflags", path, line[1])
		}
	}
}

// sevenZipList parses `7z l -slt`: the path and size of each entry.
func sevenZipList(out string) map[string]string {
	entries := map[string]string{}
	path := ""
	for _, line := range strings.Split(out, "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), " = ")
		switch k {
		case "Path":
			path = v
			entries[path] = ""
		case "Size":
			if path != "" {
				entries[path] = v
			}
		}
	}
	return entries
}

func TestWindowsInstaller(t *testing.T) {
	setup := artifact(t, "herald-%s-windows-amd64-setup.exe")
	exe := artifact(t, "herald-%s-windows-amd64.exe")
	f, err := pe.Open(setup)
	if err != nil {
		t.Fatalf("%s is not a PE file: %v", setup, err)
	}
	var subsystem uint16
	switch oh := f.OptionalHeader.(type) {
	case *pe.OptionalHeader32:
		subsystem = oh.Subsystem
	case *pe.OptionalHeader64:
		subsystem = oh.Subsystem
	}
	f.Close()
	if subsystem != pe.IMAGE_SUBSYSTEM_WINDOWS_GUI {
		t.Errorf("%s: subsystem %d, want IMAGE_SUBSYSTEM_WINDOWS_GUI", setup, subsystem)
	}
	// The amd64-unicode stub: a 64-bit-only Wine (as in CI) runs it.
	if f.Machine != pe.IMAGE_FILE_MACHINE_AMD64 {
		t.Errorf("%s: machine %#x, want AMD64 (NSIS Target amd64-unicode)", setup, f.Machine)
	}
	data, err := os.ReadFile(setup)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte("NullsoftInst")) {
		t.Fatalf("%s has no NSIS header", setup)
	}

	// What it installs: 7-Zip reads NSIS archives.
	needTool(t, "7z", "p7zip-full")
	entries := sevenZipList(run(t, "7z", "l", "-slt", setup))
	want, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	if size := entries["Herald.exe"]; size != fmt.Sprint(len(want)) {
		t.Errorf("%s: Herald.exe size %q, want %d; entries %v", setup, size, len(want), entries)
	}
	tray, err := os.ReadFile(artifact(t, "herald-%s-windows-amd64-tray.exe"))
	if err != nil {
		t.Fatal(err)
	}
	if size := entries["Herald-tray.exe"]; size != fmt.Sprint(len(tray)) {
		t.Errorf("%s: Herald-tray.exe size %q, want %d; entries %v", setup, size, len(tray), entries)
	}
	if _, ok := entries["Uninstall.exe"]; !ok {
		t.Errorf("%s writes no Uninstall.exe; entries %v", setup, entries)
	}
	out, err := exec.Command("7z", "e", "-so", setup, "Herald.exe").Output()
	if err != nil {
		t.Fatalf("7z e %s Herald.exe: %v", setup, err)
	}
	if !bytes.Equal(out, want) {
		t.Errorf("%s: the Herald.exe it installs differs from %s", setup, exe)
	}
}

// The tray process (cmd/herald-tray) beside the portable exe, under the
// name the app looks for (trayowner.TrayBin): a cgo GUI program like the
// app, without Fyne's OpenGL driver.
func TestWindowsTrayExe(t *testing.T) {
	path := artifact(t, "herald-%s-windows-amd64-tray.exe")
	f := openPE64(t, path, pe.IMAGE_SUBSYSTEM_WINDOWS_GUI, "a console would open with the tray")
	syms, err := f.ImportedSymbols()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range syms {
		_, dll, _ := strings.Cut(s, ":")
		if d := strings.ToLower(dll); d == "opengl32.dll" || strings.HasPrefix(d, "lib") {
			t.Errorf("%s imports %s (%s)", path, dll, s)
			break
		}
	}
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: build info: %v", path, err)
	}
	if bi.Path != trayPkg {
		t.Errorf("%s: main package %q, want %q", path, bi.Path, trayPkg)
	}
	set := map[string]string{}
	for _, s := range bi.Settings {
		set[s.Key] = s.Value
	}
	for k, want := range map[string]string{"GOOS": "windows", "GOARCH": "amd64", "CGO_ENABLED": "1", "-trimpath": "true"} {
		if set[k] != want {
			t.Errorf("%s: built with %s=%q, want %q", path, k, set[k], want)
		}
	}
	for _, dep := range bi.Deps {
		if strings.HasPrefix(dep.Path, "fyne.io/fyne/") || strings.HasPrefix(dep.Path, "github.com/go-gl/") {
			t.Errorf("%s links %s", path, dep.Path)
		}
	}
}

// The console twin (cmd/herald-console) beside the portable exe: a console
// program, so cmd waits for it and it has the console to lend Herald.exe.
func TestWindowsConsoleTwin(t *testing.T) {
	path := artifact(t, "herald-%s-windows-amd64.com")
	openPE64(t, path, pe.IMAGE_SUBSYSTEM_WINDOWS_CUI, "the shell would not wait for it")
	exe := strings.TrimSuffix(path, ".com") + ".exe"
	if _, err := os.Stat(exe); err != nil {
		t.Errorf("the twin runs %s, which is not beside it: %v", exe, err)
	}
}
