package packaging

// TestWindowsUnderWine runs the Windows build under Wine 8 (Debian's wine64)
// in a fresh prefix on the X display `make package-test` gives it (xvfb-run):
// the command line, a push through a webhook whose secret must land in
// Wine's Credential Manager, the window, the installer and the uninstaller,
// then the Windows unit test binaries the Makefile cross-compiled into
// HERALD_WINDOWS_TESTS. What Wine cannot show (real toasts, the shell's
// console, Windows' own Credential Manager UI) needs a real Windows.

import (
	"bytes"
	"context"
	"crypto/rc4"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

// The Windows packages whose _test binaries the Makefile cross-compiles
// (WINDOWS_TEST_PKGS); each must be there and pass.

const (
	uninstKey = `HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\` + appID
	runKey    = `HKCU\Software\Microsoft\Windows\CurrentVersion\Run`
)

// wine is one prefix and the environment every command in it runs with.
type wine struct {
	prefix string
	env    []string
}

// winePath is the Unix path of a C:\ path inside the prefix.
func (w *wine) winePath(win string) string {
	rest := strings.TrimPrefix(strings.TrimPrefix(win, `C:\`), `c:\`)
	return filepath.Join(w.prefix, "drive_c", filepath.FromSlash(strings.ReplaceAll(rest, `\`, "/")))
}

// result is what a finished command printed and returned.
type result struct {
	stdout, stderr string
	code           int
}

// pipeGrace bounds the wait for a Wine program's output pipes once the
// program has exited: the wineserver and services.exe it may have started
// inherit them and keep running.
const pipeGrace = 5 * time.Second

// run runs a Windows program to its end (at most 2 minutes) and returns its
// output and exit code; only failing to start it is fatal.
func (w *wine) run(t *testing.T, args ...string) result {
	t.Helper()
	return w.runIn(t, "", args...)
}

// runIn is run in the working folder dir.
func (w *wine) runIn(t *testing.T, dir string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "wine", args...)
	cmd.Env, cmd.Dir = w.env, dir
	// A wineserver or service this command starts outlives it holding its
	// output pipes; the program's own output is all read by then.
	cmd.WaitDelay = pipeGrace
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if errors.Is(err, exec.ErrWaitDelay) {
		err = nil
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) || ctx.Err() != nil {
		t.Fatalf("wine %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return result{out.String(), errb.String(), cmd.ProcessState.ExitCode()}
}

// ok runs a program that must exit 0 and returns its standard output.
func (w *wine) ok(t *testing.T, args ...string) string {
	t.Helper()
	r := w.run(t, args...)
	if r.code != 0 {
		t.Fatalf("wine %s: exit code %d\n%s%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// flush waits for the wineserver to exit, which writes the registry files
// (user.reg), at most 30 s.
func (w *wine) flush(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "wineserver", "-w")
	cmd.Env = w.env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("wineserver -w: %v\n%s", err, out)
	}
}

// newWine makes a prefix under a temporary folder, with the stand-in DLL.
func newWine(t *testing.T) *wine {
	t.Helper()
	needTool(t, "wine", "wine and wine64")
	needTool(t, "wineserver", "wine and wine64")
	needTool(t, "x86_64-w64-mingw32-gcc", "gcc-mingw-w64-x86-64")
	if os.Getenv("DISPLAY") == "" {
		missing(t, "an X display", "run under xvfb-run, as `make package-test` does")
	}
	dir, err := os.MkdirTemp("", "herald-wine-")
	if err != nil {
		t.Fatal(err)
	}
	w := &wine{prefix: filepath.Join(dir, "prefix")}
	// No Mono/Gecko install prompts, no menu entries written outside the prefix.
	w.env = append(os.Environ(), "WINEPREFIX="+w.prefix, "WINEDEBUG=-all",
		"WINEDLLOVERRIDES=mscoree,mshtml=;winemenubuilder.exe=d", "HOME="+dir)
	t.Cleanup(func() {
		cmd := exec.Command("wineserver", "-k")
		cmd.Env = w.env
		_ = cmd.Run()
		_ = os.RemoveAll(dir)
	})
	w.ok(t, "wineboot", "-i")
	dll := filepath.Join(dir, "bcryptprimitives.dll")
	run(t, "x86_64-w64-mingw32-gcc", "-shared", "-O2", "-o", dll,
		filepath.Join(sourceDir(t), "windows", "winetest", "bcryptprimitives.c"), "-ladvapi32")
	data, err := os.ReadFile(dll)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(w.prefix, "drive_c", "windows", "system32", "bcryptprimitives.dll"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	w.flush(t)
	return w
}

// sourceDir is packaging/ of the source tree: the test's folder under go
// test, or ./packaging when make runs bin/packaging.test from the root.
func sourceDir(t *testing.T) string {
	t.Helper()
	for _, d := range []string{".", "packaging"} {
		if _, err := os.Stat(filepath.Join(d, "windows", "winetest")); err == nil {
			return d
		}
	}
	t.Fatal("no windows/winetest here or in ./packaging: run from the repository root or packaging/")
	return ""
}

// cli is what runs Herald's commands: the console twin when dist has one
// (a console program, as cmd would run it), else the GUI exe, whose
// redirected output Wine hands on all the same.
func cli(t *testing.T, exe string) string {
	t.Helper()
	if com := strings.TrimSuffix(exe, ".exe") + ".com"; fileExists(com) {
		return com
	}
	return exe
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func TestWindowsUnderWine(t *testing.T) {
	exe := artifact(t, "herald-%s-windows-amd64.exe")
	setup := artifact(t, "herald-%s-windows-amd64-setup.exe")
	needTool(t, "xwd", "x11-apps")
	needTool(t, "xwininfo", "x11-utils")
	w := newWine(t)
	herald := cli(t, exe)

	t.Run("version", func(t *testing.T) { checkWineVersion(t, w, herald) })
	t.Run("channel kinds", func(t *testing.T) { checkWineKinds(t, w, herald) })
	t.Run("webhook secret", func(t *testing.T) { checkWineWebhook(t, w, herald) })
	t.Run("window", func(t *testing.T) {
		const dataDir = `C:\herald-window`
		app := startApp(t, w, exe, "--data-dir", dataDir)
		app.waitWindow(t, w)
		checkTrayShown(t, w, dataDir)
		app.stop(t, w)
	})
	t.Run("install upgrade uninstall", func(t *testing.T) { checkWineInstaller(t, w, setup, exe) })
	t.Run("unit tests", func(t *testing.T) { runWindowsUnitTests(t, w) })
}

func checkWineVersion(t *testing.T, w *wine, herald string) {
	got := strings.TrimSpace(w.ok(t, herald, "--version"))
	if want := os.Getenv("HERALD_VERSION_LINE"); want != "" && got != want {
		t.Errorf("herald --version under Wine = %q, want %q", got, want)
	}
	if !strings.HasPrefix(got, "herald ") {
		t.Errorf("herald --version under Wine = %q", got)
	}
}

func checkWineKinds(t *testing.T, w *wine, herald string) {
	out := w.ok(t, herald, "channel", "kinds")
	for _, kind := range []string{"webhook — ", "ntfy — ", "bark — "} {
		if !strings.Contains(out, kind) {
			t.Errorf("channel kinds lacks %q:\n%s", kind, out)
		}
	}
	// Bad input is exit code 2, as on Linux.
	if r := w.run(t, herald, "channel", "add", "nosuchkind", "x"); r.code != 2 {
		t.Errorf("channel add nosuchkind: exit code %d, want 2\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// checkWineWebhook pushes to a loopback receiver through a webhook whose
// URL (a secret field) carries a token: it arrives, and the token is in
// Wine's Credential Manager but nowhere in the data folder.
func checkWineWebhook(t *testing.T, w *wine, herald string) {
	const token = "wine-secret-7d1c0e5a"
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		select {
		case got <- r.URL.Path + " " + string(body):
		default:
		}
	}))
	defer srv.Close()

	dataDir := `C:\herald-data`
	w.ok(t, herald, "--data-dir", dataDir, "api", "disable")
	w.ok(t, herald, "--data-dir", dataDir, "channel", "add", "webhook", "hook", "url="+srv.URL+"/hook/"+token)
	w.ok(t, herald, "--data-dir", dataDir, "send", "--channel", "hook", "--title", "Wine", "pushed under Wine")
	select {
	case req := <-got:
		if !strings.Contains(req, "/hook/"+token) || !strings.Contains(req, "pushed under Wine") {
			t.Errorf("the receiver got %q", req)
		}
	default: // send returns after delivery
		t.Fatal("send exited 0 but no request reached the receiver")
	}

	checkNotInFolder(t, w.winePath(dataDir), token)
	w.flush(t)
	if !credentialHolds(t, w, token) {
		t.Errorf("no credential in Wine's Credential Manager (user.reg) holds the webhook's token")
	}
}

// checkNotInFolder fails if any file under dir contains secret.
func checkNotInFolder(t *testing.T, dir, secret string) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		data, err := os.ReadFile(path)
		if err == nil && bytes.Contains(data, []byte(secret)) {
			t.Errorf("%s holds the secret in plain text", path)
		}
		return err
	})
	if err != nil || n == 0 {
		t.Errorf("data folder %s: %v, %d files", dir, err, n)
	}
}

// credentialHolds reports whether a generic credential Herald wrote to
// Wine's Credential Manager decrypts to a value holding secret. Wine keeps them in user.reg
// under Software\Wine\Credential Manager, each "Password" RC4-encrypted with
// that key's 8-byte "EncryptionKey" (dlls/advapi32/cred.c).
func credentialHolds(t *testing.T, w *wine, secret string) bool {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(w.prefix, "user.reg"))
	if err != nil {
		t.Fatal(err)
	}
	keys := regKeys(string(data))
	const base = `Software\\Wine\\Credential Manager`
	encKey := regHex(keys[base]["EncryptionKey"])
	if len(encKey) == 0 {
		t.Fatalf("user.reg has no %s EncryptionKey", base)
	}
	found := 0
	for name, values := range keys {
		if !strings.HasPrefix(name, base+`\\Generic: herald/`) {
			continue
		}
		found++
		blob := regHex(values["Password"])
		c, err := rc4.NewCipher(encKey)
		if err != nil {
			t.Fatal(err)
		}
		c.XORKeyStream(blob, blob)
		if strings.Contains(string(blob), secret) {
			return true
		}
	}
	t.Logf("%d Herald credentials in user.reg, none holds the secret", found)
	return false
}

// regKeys parses a Wine .reg file: key → value name → raw value text
// ("@" for the default value), with continued lines joined.
func regKeys(text string) map[string]map[string]string {
	text = strings.ReplaceAll(text, "\\\n", "")
	keys := map[string]map[string]string{}
	var cur map[string]string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "["):
			name := line[1:strings.LastIndex(line, "]")]
			cur = map[string]string{}
			keys[name] = cur
		case cur != nil && strings.HasPrefix(line, `"`):
			if name, val, ok := strings.Cut(line[1:], `"=`); ok {
				cur[name] = val
			}
		case cur != nil && strings.HasPrefix(line, "@="):
			cur["@"] = line[2:]
		}
	}
	return keys
}

// regHex decodes a hex:aa,bb,… value.
func regHex(v string) []byte {
	v = strings.TrimPrefix(v, "hex:")
	b, err := hex.DecodeString(strings.NewReplacer(",", "", " ", "").Replace(v))
	if err != nil {
		return nil
	}
	return b
}

// app is Herald started under Wine. The exe hands over to the tray
// process beside it (app/handover_windows.go: exe without .exe, plus
// -tray.exe) and exits; the tray runs the window as the exe again.
type app struct {
	image  string // the exe's file name, which taskkill /IM matches
	tray   string // the tray exe's file name
	cmd    *exec.Cmd
	done   chan struct{}
	stderr *bytes.Buffer
}

func startApp(t *testing.T, w *wine, exe string, args ...string) *app {
	t.Helper()
	cmd := exec.Command("wine", append([]string{exe}, args...)...)
	cmd.Env = w.env
	cmd.WaitDelay = pipeGrace // see runIn: the app has exited when Wait returns
	image := filepath.Base(exe)
	a := &app{image: image, tray: strings.TrimSuffix(image, ".exe") + "-tray.exe", cmd: cmd, done: make(chan struct{}), stderr: &bytes.Buffer{}}
	cmd.Stderr = a.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); close(a.done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-a.done
		for _, im := range []string{a.tray, a.image} {
			kill := exec.Command("wine", "taskkill", "/F", "/IM", im)
			kill.Env = w.env
			_ = kill.Run()
		}
	})
	return a
}

// processes lists the image names of the prefix's processes (Wine 8's
// tasklist prints nothing; its wmic reads Win32_Process).
func processes(t *testing.T, w *wine) []string {
	t.Helper()
	r := w.run(t, "wmic", "process", "get", "name")
	out := []byte(r.stdout)
	if r.code != 0 {
		t.Fatalf("wmic process get name: exit code %d\n%s", r.code, r.stderr)
	}
	// wmic writes UTF-16LE with a byte order mark.
	if len(out) >= 2 && out[0] == 0xff && out[1] == 0xfe {
		u := make([]uint16, 0, len(out)/2)
		for i := 2; i+1 < len(out); i += 2 {
			u = append(u, binary.LittleEndian.Uint16(out[i:]))
		}
		out = []byte(string(utf16.Decode(u)))
	}
	names := strings.Fields(string(out))
	if len(names) == 0 || names[0] != "Name" {
		t.Fatalf("wmic process get name printed %q", out)
	}
	return names[1:]
}

// runs reports whether a process of image name runs.
func runs(names []string, image string) bool {
	return slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, image) })
}

// exited reports whether Herald is gone: the started exe exited and
// (unless it failed, which ends the start) no tray or window of it runs.
func (a *app) exited(t *testing.T, w *wine) bool {
	t.Helper()
	select {
	case <-a.done:
	default:
		return false
	}
	if a.cmd.ProcessState.ExitCode() != 0 {
		return true
	}
	names := processes(t, w)
	return !runs(names, a.tray) && !runs(names, a.image)
}

// waitWindow polls, for at most 90 s, until the display has an X window
// titled Herald and a screenshot shows a window's worth of colours (an
// empty Xvfb screen has one or two; a drawn Fyne window about twenty); the
// app exiting first fails. Then the tray runs as its own exe: the exe
// handed over to it.
func (a *app) waitWindow(t *testing.T, w *wine) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	colours, titled := 0, false
	for time.Now().Before(deadline) {
		if a.exited(t, w) {
			t.Fatalf("Herald exited (%v) before its window showed:\n%s", a.cmd.ProcessState, a.stderr)
		}
		titled = heraldWindowMapped(t)
		if colours = screenColours(t); titled && colours >= 16 {
			t.Logf("a Herald window, the screen shows %d colours", colours)
			if names := processes(t, w); !runs(names, a.tray) {
				t.Errorf("no %s runs beside the window: the tray did not hand over; processes %v", a.tray, names)
			}
			return
		}
		time.Sleep(time.Second)
	}
	t.Fatalf("after 90 s: a window titled Herald %v, the screen shows %d colours", titled, colours)
}

// checkTrayShown waits up to 30 s for the tray to log "tray shown" to
// herald.log in dataDir (after its first icon and menu went to the system
// tray), then fails on any failure fyne.io/systray reported: the tray
// logs the log package's lines, systray's only way to tell, to herald.log
// too, since the handed-over tray has no stderr. "systray error: unable to
// set icon" is LoadImage refusing the icon's bytes (app/tray.nativeIcon).
func checkTrayShown(t *testing.T, w *wine, dataDir string) {
	t.Helper()
	path := w.winePath(dataDir + `\herald.log`)
	var log []byte
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Second) {
		log, _ = os.ReadFile(path)
		if bytes.Contains(log, []byte(`msg="tray shown"`)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the tray did not log \"tray shown\" within 30 s of its window; %s:\n%s", path, log)
		}
	}
	for _, line := range strings.Split(string(log), "\n") {
		if strings.Contains(line, "systray error") {
			t.Errorf("the tray's system tray icon or menu failed: %s", line)
		}
	}
}

// heraldWindowMapped reports whether xwininfo lists a window titled Herald.
func heraldWindowMapped(t *testing.T) bool {
	t.Helper()
	out, err := exec.Command("xwininfo", "-root", "-tree").Output()
	if err != nil {
		t.Fatalf("xwininfo -root -tree: %v", err)
	}
	return bytes.Contains(out, []byte(` "Herald": (`))
}

// waitExit waits up to 30 s for the app, tray and window, to end, failing
// with why if not.
func (a *app) waitExit(t *testing.T, w *wine, why string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !a.exited(t, w); time.Sleep(time.Second) {
		if time.Now().After(deadline) {
			t.Fatalf("Herald still runs 30 s after %s: processes %v", why, processes(t, w))
		}
	}
}

// stop ends the app the way the installer does: the tray, then the window.
func (a *app) stop(t *testing.T, w *wine) {
	t.Helper()
	w.run(t, "taskkill", "/F", "/IM", a.tray)
	w.run(t, "taskkill", "/F", "/IM", a.image)
	a.waitExit(t, w, "taskkill /F /IM "+a.tray+" and "+a.image)
}

// screenColours counts the distinct pixel values of an xwd screenshot of
// the whole display.
func screenColours(t *testing.T) int {
	t.Helper()
	out, err := exec.Command("xwd", "-root", "-silent").Output()
	if err != nil {
		t.Fatalf("xwd -root: %v", err)
	}
	pixels, bpp, err := xwdPixels(out)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i := 0; i+bpp <= len(pixels) && len(seen) < 1000; i += bpp {
		seen[string(pixels[i:i+bpp])] = true
	}
	return len(seen)
}

// xwdPixels returns an XWD image's pixel bytes and bytes per pixel. The
// header is big-endian 32-bit fields; the colour map follows it.
func xwdPixels(b []byte) ([]byte, int, error) {
	field := func(i int) int { return int(binary.BigEndian.Uint32(b[4*i:])) }
	if len(b) < 100 {
		return nil, 0, fmt.Errorf("xwd: %d bytes, no header", len(b))
	}
	headerSize, bitsPerPixel, ncolors := field(0), field(11), field(19)
	start := headerSize + 12*ncolors
	if bitsPerPixel < 8 || start > len(b) {
		return nil, 0, fmt.Errorf("xwd: %d bits per pixel, data at %d of %d", bitsPerPixel, start, len(b))
	}
	return b[start:], bitsPerPixel / 8, nil
}

// winEnv is a Windows environment variable's value in the prefix.
func winEnv(t *testing.T, w *wine, name string) string {
	t.Helper()
	v := strings.TrimSpace(w.ok(t, "cmd", "/c", "echo", "%"+name+"%"))
	if v == "" || strings.Contains(v, "%") {
		t.Fatalf("%%%s%% is %q in the prefix", name, v)
	}
	return v
}

// regHas reports whether reg query finds KEY (and value VALUE when given).
func regHas(t *testing.T, w *wine, key string, value ...string) bool {
	t.Helper()
	args := append([]string{"reg", "query", key}, value...)
	if len(value) > 0 {
		args = append([]string{"reg", "query", key, "/v"}, value...)
	}
	return w.run(t, args...).code == 0
}

// aumidKey is where the app registers itself as a toast sender (ui/toast).
const aumidKey = `HKCU\Software\Classes\AppUserModelId\io.github.heraldpush.herald`

// userPath is the user's own PATH (HKCU\Environment), "" when unset.
func userPath(t *testing.T, w *wine) string {
	t.Helper()
	r := w.run(t, "reg", "query", `HKCU\Environment`, "/v", "Path")
	if r.code != 0 {
		return ""
	}
	for _, line := range strings.Split(r.stdout, "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && strings.EqualFold(f[0], "Path") {
			return strings.TrimSpace(line[strings.Index(line, f[1])+len(f[1]):])
		}
	}
	return ""
}

// userPathHas reports whether dir is one of the user PATH's entries.
func userPathHas(t *testing.T, w *wine, dir string) bool {
	t.Helper()
	for _, e := range strings.Split(userPath(t, w), ";") {
		if strings.EqualFold(strings.TrimSpace(e), dir) {
			return true
		}
	}
	return false
}

// checkWineInstaller installs silently, runs the installed app, upgrades
// over the running app, and uninstalls silently while it runs: the program
// goes, the user's data folder and credentials stay.
func checkWineInstaller(t *testing.T, w *wine, setup, exe string) {
	localAppData, appData := winEnv(t, w, "LOCALAPPDATA"), winEnv(t, w, "APPDATA")
	instDir := localAppData + `\Programs\Herald`
	installed := instDir + `\Herald.exe`
	shortcut := w.winePath(appData + `\Microsoft\Windows\Start Menu\Programs\Herald.lnk`)
	want, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	tray := strings.TrimSuffix(exe, ".exe") + "-tray.exe"
	wantTray, err := os.ReadFile(tray)
	if err != nil {
		t.Fatal(err)
	}
	checkInstalled := func(when string) {
		t.Helper()
		got, err := os.ReadFile(w.winePath(installed))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s: %s is not %s (%v)", when, installed, exe, err)
		}
		// The name the app looks for beside itself (trayowner.TrayBin).
		got, err = os.ReadFile(w.winePath(instDir + `\Herald-tray.exe`))
		if err != nil || !bytes.Equal(got, wantTray) {
			t.Errorf("%s: %s\\Herald-tray.exe is not %s (%v)", when, instDir, tray, err)
		}
		for _, p := range []string{w.winePath(instDir + `\Uninstall.exe`), shortcut} {
			if !fileExists(p) {
				t.Errorf("%s: no %s", when, p)
			}
		}
		if !regHas(t, w, uninstKey, "InstallLocation") {
			t.Errorf("%s: no uninstall key %s", when, uninstKey)
		}
	}

	w.ok(t, setup, "/S")
	checkInstalled("after setup /S")
	if fileExists(w.winePath(instDir+`\herald.com`)) && !userPathHas(t, w, instDir) {
		t.Errorf("setup did not put %s on the user PATH (%s)", instDir, userPath(t, w))
	}

	// The installed app's own data folder (%AppData%\herald) with a secret,
	// and the Run value its "Start at login" writes (app/autostart).
	const keep = "kept-secret-3f9a"
	herald := installed
	if com := instDir + `\herald.com`; fileExists(w.winePath(com)) {
		herald = com
	}
	w.ok(t, herald, "api", "disable")
	w.ok(t, herald, "channel", "add", "webhook", "keep", "url=http://127.0.0.1:9/"+keep)
	w.ok(t, "reg", "add", runKey, "/v", "Herald", "/t", "REG_SZ", "/d", `"`+installed+`" --minimized`, "/f")

	a := startApp(t, w, w.winePath(installed))
	a.waitWindow(t, w)
	w.ok(t, setup, "/S") // Windows would not overwrite the running exe: setup closes it
	a.waitExit(t, w, "an upgrade's setup /S")
	checkInstalled("after upgrading over the running app")

	a = startApp(t, w, w.winePath(installed))
	a.waitWindow(t, w)
	// The tray registers its toast sender while it starts, which may be
	// after its window shows.
	registered := regHas(t, w, aumidKey)
	for deadline := time.Now().Add(30 * time.Second); !registered && time.Now().Before(deadline); {
		time.Sleep(time.Second)
		registered = regHas(t, w, aumidKey)
	}
	if !registered {
		t.Errorf("the running app did not register its toast sender %s within 30 s", aumidKey)
	}
	// Uninstall.exe copies itself to %TEMP% and returns at once; that copy
	// closes the app and removes the program.
	w.ok(t, w.winePath(instDir+`\Uninstall.exe`), "/S")
	a.waitExit(t, w, "Uninstall.exe /S")
	deadline := time.Now().Add(60 * time.Second)
	for fileExists(w.winePath(instDir)) && time.Now().Before(deadline) {
		time.Sleep(500 * time.Millisecond)
	}
	if fileExists(w.winePath(instDir)) {
		t.Errorf("%s is still there 60 s after Uninstall.exe /S", instDir)
	}
	if fileExists(shortcut) {
		t.Errorf("the Start-menu shortcut %s is still there", shortcut)
	}
	if regHas(t, w, uninstKey) {
		t.Errorf("the uninstall key %s is still there", uninstKey)
	}
	if regHas(t, w, runKey, "Herald") {
		t.Errorf("the Run value Herald (start at login) is still there")
	}
	if regHas(t, w, aumidKey) {
		t.Errorf("the toast sender key %s is still there", aumidKey)
	}
	if userPathHas(t, w, instDir) {
		t.Errorf("the user PATH still holds %s: %s", instDir, userPath(t, w))
	}
	if !fileExists(w.winePath(appData + `\herald\herald.db`)) {
		t.Errorf("the data folder %s\\herald lost herald.db", appData)
	}
	w.flush(t)
	if !credentialHolds(t, w, keep) {
		t.Errorf("the uninstaller removed the channel's credential")
	}
}

// runWindowsUnitTests runs each cross-compiled test binary in
// HERALD_WINDOWS_TESTS (NAME.test.exe, NAME the package path with - for /)
// in its package's folder, as go test would.
func runWindowsUnitTests(t *testing.T, w *wine) {
	root, err := filepath.Abs(filepath.Join(sourceDir(t), ".."))
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("HERALD_WINDOWS_TESTS")
	if dir == "" {
		missing(t, "HERALD_WINDOWS_TESTS (the cross-compiled test binaries)", "`make package-test` builds them and sets it")
	}
	if dir, err = filepath.Abs(dir); err != nil {
		t.Fatal(err)
	}
	// The Makefile's WINDOWS_TEST_PKGS, the one list of them.
	pkgs := strings.Fields(os.Getenv("HERALD_WINDOWS_TEST_PKGS"))
	if len(pkgs) == 0 {
		missing(t, "HERALD_WINDOWS_TEST_PKGS (the packages whose Windows tests run here)", "`make package-test` sets it")
		return
	}
	for _, pkg := range pkgs {
		t.Run(pkg, func(t *testing.T) {
			bin := filepath.Join(dir, strings.ReplaceAll(pkg, "/", "-")+".test.exe")
			if !fileExists(bin) {
				t.Fatalf("no %s: `make windows-tests` builds it (go test -c makes none for a package without tests)", bin)
			}
			r := w.runIn(t, filepath.Join(root, pkg), bin, "-test.v", "-test.count=1", "-test.timeout=90s")
			t.Log(r.stdout + r.stderr)
			if r.code != 0 || !strings.Contains(r.stdout, "\nPASS") && !strings.HasPrefix(r.stdout, "PASS") {
				t.Errorf("%s under Wine: exit code %d", pkg, r.code)
			}
		})
	}
}
