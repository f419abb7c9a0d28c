package task

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/message"
)

// ExecOptions tune Execute.
type ExecOptions struct {
	OutputCap  int              // bytes of output kept; 0 → DefaultOutputCap (256 KiB)
	HTTPClient *http.Client     // for http tasks; nil → a client with TLS verification and no overall timeout (the task timeout applies)
	Now        func() time.Time // nil → time.Now
	BaseEnv    []string         // environment commands start from; nil → os.Environ()
}

const (
	// httpBodyCap is how much of an HTTP answer's body is read, checked and kept.
	httpBodyCap = 64 << 10
	// killGrace is how long a stopped command's process group has between
	// SIGTERM and SIGKILL to clean up.
	killGrace = 2 * time.Second
	// pipeGrace is how long processes a command left behind may keep its
	// output open after it exits before they are killed: a background job
	// holding the pipe would otherwise keep the run going forever.
	pipeGrace = time.Second
	// reapWait bounds waits that only a kernel bug or an unkillable (D state)
	// process could make long; Execute must return.
	reapWait = 5 * time.Second
)

// errCancelled is the Error of a run stopped through its context.
const errCancelled = "cancelled"

var defaultHTTPClient = &http.Client{}

// Execute runs t once and returns the finished run (ID 0, not stored). It never panics and never returns
// without a Status. ctx cancellation (user's Cancel, or shutdown) stops the run: status failure, Error "cancelled".
func Execute(ctx context.Context, t Task, trigger Trigger, opt ExecOptions) (run Run) {
	if opt.OutputCap <= 0 {
		opt.OutputCap = DefaultOutputCap
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.BaseEnv == nil {
		opt.BaseEnv = os.Environ()
	}
	if opt.HTTPClient == nil {
		opt.HTTPClient = defaultHTTPClient
	}
	run = Run{TaskID: t.ID, TaskName: t.Name, Trigger: trigger, Started: opt.Now()}
	defer func() {
		if p := recover(); p != nil {
			run.Status, run.Error = StatusFailure, fmt.Sprintf("internal error: %v", p)
		}
		if run.Status == "" {
			run.Status = StatusFailure
		}
		run.Finished = opt.Now()
	}()

	if ctx.Err() != nil {
		run.Status, run.Error = StatusFailure, errCancelled
		return run
	}
	switch t.Kind {
	case KindCommand:
		if t.Command == nil {
			run.Status, run.Error = StatusFailure, "command task has no command to run"
			return run
		}
		runCommand(ctx, t.Command, t.EffectiveTimeout(), opt, &run)
	case KindHTTP:
		if t.HTTP == nil {
			run.Status, run.Error = StatusFailure, "http task has no URL to check"
			return run
		}
		runHTTP(ctx, t.HTTP, t.EffectiveTimeout(), opt, &run)
	default:
		run.Status, run.Error = StatusFailure, fmt.Sprintf("unknown task kind %q", t.Kind)
	}
	return run
}

func timedOut(d time.Duration) string { return "timed out after " + d.String() }

// runCommand runs a program or shell line with its output going into one
// bounded capture, and stops its whole process tree on timeout or
// cancellation.
func runCommand(ctx context.Context, c *Command, timeout time.Duration, opt ExecOptions, run *Run) {
	fail := func(err error) { run.Status, run.Error = StatusFailure, err.Error() }
	if err := checkWorkDir(c.Dir); err != nil {
		fail(err)
		return
	}
	cmd, program, err := prepareCommand(c, opt.BaseEnv)
	if err != nil {
		fail(err)
		return
	}
	pr, err := startCommand(cmd, program, c.Dir)
	if err != nil {
		fail(err)
		return
	}
	tree, err := attachTree(cmd)
	if err != nil {
		pr.Close()
		_ = cmd.Wait()
		fail(err)
		return
	}
	defer tree.release()

	out := newOutputCapture(opt.OutputCap)
	decoded, flush := outputWriter(out, c.OutputEncoding)
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		_, _ = io.Copy(decoded, pr)
		flush()
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	stopped, waitErr := awaitCommand(ctx, timeout, tree, exited, copied)
	finishOutput(pr, copied)
	run.Output = out.String()
	setCommandResult(run, stopped, waitErr)
}

// checkWorkDir reports a working directory the command cannot start in.
func checkWorkDir(dir string) error {
	if dir == "" {
		return nil
	}
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("working directory %q does not exist", dir)
	case err != nil:
		return fmt.Errorf("working directory %q: %v", dir, unwrapPathError(err))
	case !fi.IsDir():
		return fmt.Errorf("working directory %q is not a directory", dir)
	}
	return nil
}

// prepareCommand builds the command c describes on top of baseEnv, and
// names the program it starts (for error messages).
func prepareCommand(c *Command, baseEnv []string) (cmd *exec.Cmd, program string, err error) {
	// exec keeps the last value of a duplicated key, so the task's
	// additions override the base environment.
	env := make([]string, 0, len(baseEnv)+len(c.Env))
	env = append(append(env, baseEnv...), c.Env...)
	switch {
	case len(c.Args) > 0:
		program = c.Args[0]
		path, err := lookProgram(program, env)
		if err != nil {
			return nil, "", err
		}
		cmd = &exec.Cmd{Path: path, Args: slices.Clone(c.Args)}
	case strings.TrimSpace(c.Line) != "":
		cmd = shellCommand(c.Line)
		program = cmd.Path
	default:
		return nil, "", errors.New("command task has nothing to run: set a shell line or a program")
	}
	cmd.Dir = c.Dir
	cmd.Env = env
	// cmd.Stdin stays nil: the program reads from the null device.
	configureTree(cmd)
	return cmd, program, nil
}

// startCommand starts cmd with stdout and stderr on one pipe, which keeps
// them in the order the program wrote them, and returns the pipe's read
// end. We own the pipe (rather than handing exec an io.Writer) so that Wait
// returns when the program exits and we decide how long leftovers may keep
// the pipe open.
func startCommand(cmd *exec.Cmd, program, dir string) (*os.File, error) {
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("cannot create output pipe: %v", err)
	}
	cmd.Stdout, cmd.Stderr = pw, pw
	err = cmd.Start()
	pw.Close()
	if err != nil {
		pr.Close()
		return nil, errors.New(startError(program, dir, err))
	}
	return pr, nil
}

// awaitCommand waits until the program exits, or stops its tree at the
// timeout or on cancellation. stopped says why it was stopped, "" when it
// ended by itself.
func awaitCommand(ctx context.Context, timeout time.Duration, tree *processTree, exited <-chan error,
	copied <-chan struct{}) (stopped string, waitErr error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case waitErr = <-exited:
		reapLeftovers(ctx, tree, copied)
		return "", waitErr
	case <-timer.C:
		stopped = timedOut(timeout)
	case <-ctx.Done():
		stopped = errCancelled
	}
	return stopped, stopTree(tree, exited)
}

// stopTree asks the tree to end, kills it after killGrace, and returns the
// program's Wait error (nil when it could not be reaped in time).
func stopTree(tree *processTree, exited <-chan error) error {
	tree.interrupt()
	select {
	case err := <-exited:
		tree.kill()
		return err
	case <-time.After(killGrace):
	}
	tree.kill()
	select {
	case err := <-exited:
		return err
	case <-time.After(reapWait):
		return nil
	}
}

// reapLeftovers kills what the exited program left running if it still
// holds the output: it belongs to the run and must not outlive it.
// Processes that detached their output (nohup x >log &) are left alone.
func reapLeftovers(ctx context.Context, tree *processTree, copied <-chan struct{}) {
	select {
	case <-copied:
	case <-time.After(pipeGrace):
		tree.kill()
	case <-ctx.Done():
		tree.kill()
	}
}

// finishOutput waits for the output to be copied and closes the pipe.
func finishOutput(pr *os.File, copied <-chan struct{}) {
	select {
	case <-copied:
	case <-time.After(pipeGrace):
		// Something outside the tree (it called setsid) holds the pipe:
		// stop reading and keep what we have.
		pr.Close()
		select {
		case <-copied:
		case <-time.After(reapWait):
		}
	}
	pr.Close()
}

// setCommandResult judges how the program ended.
func setCommandResult(run *Run, stopped string, waitErr error) {
	fail := func(msg string) { run.Status, run.Error = StatusFailure, msg }
	var ee *exec.ExitError
	switch {
	case stopped == errCancelled:
		fail(errCancelled)
	case stopped != "":
		run.Status, run.Error = StatusTimeout, stopped
	case waitErr == nil:
		code := 0
		run.Status, run.ExitCode = StatusSuccess, &code
	case !errors.As(waitErr, &ee):
		fail(waitErr.Error())
	default:
		if sig := signalText(ee.ProcessState); sig != "" {
			fail(sig)
			return
		}
		code := ee.ExitCode()
		run.ExitCode = &code
		fail(fmt.Sprintf("exit status %d", code))
	}
}

// lookProgram finds a program the way a shell would, but in the task's own
// PATH (which may differ from Herald's), never in the current directory.
// Names that contain a path separator are used as they are, relative to the
// working directory.
func lookProgram(name string, env []string) (string, error) {
	if name == "" {
		return "", errors.New("program name is empty")
	}
	if strings.ContainsAny(name, pathSeparators) {
		return name, nil
	}
	for _, p := range programCandidates(name, env) {
		if fi, err := os.Stat(p); err == nil && isExecutable(fi) {
			return p, nil
		}
	}
	return "", fmt.Errorf("program %q not found in PATH", name)
}

// envValue returns the last value of key in env.
func envValue(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && envKeyEqual(k, key) {
			return v
		}
	}
	return ""
}

func startError(program, dir string, err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		p := program
		if !filepath.IsAbs(p) && dir != "" {
			p = filepath.Join(dir, p)
		}
		if _, statErr := os.Stat(p); statErr == nil {
			return fmt.Sprintf("cannot run %q: its interpreter (the #! line) was not found", program)
		}
		return fmt.Sprintf("program %q not found", program)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Sprintf("cannot run %q: permission denied", program)
	default:
		return fmt.Sprintf("cannot run %q: %v", program, unwrapPathError(err))
	}
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// runHTTP requests the check's URL and judges the answer.
func runHTTP(ctx context.Context, h *HTTPCheck, timeout time.Duration, opt ExecOptions, run *Run) {
	fail := func(msg string) { run.Status, run.Error = StatusFailure, msg }
	spec, err := parseHTTPCheck(h)
	if err != nil {
		fail(err.Error())
		return
	}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// A stop is a timeout only if the caller did not cancel first.
	stopped := func() bool {
		switch {
		case ctx.Err() != nil:
			run.Status, run.Error = StatusFailure, errCancelled
		case rctx.Err() != nil:
			run.Status, run.Error = StatusTimeout, timedOut(timeout)
		default:
			return false
		}
		return true
	}

	req, err := spec.request(rctx, h)
	if err != nil {
		fail(spec.describe(err))
		return
	}
	resp, err := spec.client(opt.HTTPClient).Do(req)
	if err != nil {
		if !stopped() {
			fail(spec.describe(err))
		}
		return
	}
	defer resp.Body.Close()
	run.HTTPStatus = resp.StatusCode

	data, more, readErr := readBody(resp.Body)
	run.Output = message.TruncateBytes(answerText(resp, data, more), opt.OutputCap)
	if readErr != nil {
		if !stopped() {
			fail("reading body: " + scrubURL(readErr.Error(), spec.url))
		}
		return
	}
	if problems := spec.judge(h, resp.StatusCode, data, more); len(problems) > 0 {
		fail(strings.Join(problems, "; "))
		return
	}
	run.Status = StatusSuccess
}

// httpSpec is an HTTP check's settings, parsed.
type httpSpec struct {
	statuses StatusSet
	re       *regexp.Regexp // nil: no expect-regex
	url      *url.URL
	method   string
}

func parseHTTPCheck(h *HTTPCheck) (httpSpec, error) {
	statuses, err := ParseStatusSet(h.ExpectStatus)
	if err != nil {
		return httpSpec{}, fmt.Errorf("expect-status: %w", err)
	}
	var re *regexp.Regexp
	if h.ExpectRegex != "" {
		if re, err = regexp.Compile(h.ExpectRegex); err != nil {
			return httpSpec{}, fmt.Errorf("expect-regex: not a valid regular expression: %w", err)
		}
	}
	u, err := url.Parse(h.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// The URL may carry a token: describe the problem, never echo it.
		return httpSpec{}, errors.New("invalid URL: must be an absolute http:// or https:// URL")
	}
	method := h.Method
	if method == "" {
		method = http.MethodGet
	}
	return httpSpec{statuses: statuses, re: re, url: u, method: method}, nil
}

// describe is a request error as the run shows it: the URL without what
// may carry a token.
func (s httpSpec) describe(err error) string {
	return fmt.Sprintf("%s %s: %s", s.method, shownURL(s.url), scrubURL(unwrapURLError(err).Error(), s.url))
}

func (s httpSpec) request(ctx context.Context, h *HTTPCheck) (*http.Request, error) {
	var body io.Reader
	if h.Body != "" {
		body = strings.NewReader(h.Body)
	}
	req, err := http.NewRequestWithContext(ctx, s.method, h.URL, body)
	if err != nil {
		return nil, err
	}
	for k, v := range h.Headers {
		if strings.EqualFold(k, "Host") {
			req.Host = v
		} else {
			req.Header.Set(k, v)
		}
	}
	return req, nil
}

// client is a copy of base that does not follow redirects when the check
// expects a 3xx: it judges the redirect instead.
func (s httpSpec) client(base *http.Client) *http.Client {
	client := *base
	if acceptsRedirect(s.statuses) {
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	return &client
}

// readBody reads up to httpBodyCap bytes; more reports that the body went on.
func readBody(r io.Reader) (data []byte, more bool, err error) {
	data, err = io.ReadAll(io.LimitReader(r, httpBodyCap+1))
	if more = len(data) > httpBodyCap; more {
		data = data[:httpBodyCap]
	}
	return data, more, err
}

// answerText is the run's output: the status line and the body read.
func answerText(resp *http.Response, data []byte, more bool) string {
	status := strings.TrimSpace(resp.Status)
	if status == "" {
		status = fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	var sb strings.Builder
	sb.WriteString("HTTP " + status + "\n")
	shown := data
	if more {
		shown = dropPartialRune(shown) // cut by the read limit, not invalid
	}
	head, _ := sanitizePrefix(shown, len(shown)*3)
	sb.Write(head)
	if more {
		if resp.ContentLength > httpBodyCap {
			sb.WriteString(cutMarker(resp.ContentLength - httpBodyCap))
		} else {
			sb.WriteString("\n…[rest of body not read]…\n")
		}
	}
	return sb.String()
}

// judge lists how the answer misses the check's expectations.
func (s httpSpec) judge(h *HTTPCheck, code int, data []byte, more bool) []string {
	var problems []string
	if !s.statuses.Contains(code) {
		want := strings.TrimSpace(h.ExpectStatus)
		if want == "" {
			want = "200-299"
		}
		problems = append(problems, fmt.Sprintf("status %d not in %s", code, want))
	}
	bodyProblem := false
	if h.ExpectBody != "" && !bytes.Contains(data, []byte(h.ExpectBody)) {
		problems = append(problems, fmt.Sprintf("body does not contain %q", h.ExpectBody))
		bodyProblem = true
	}
	if s.re != nil && !s.re.Match(data) {
		problems = append(problems, fmt.Sprintf("body does not match /%s/", h.ExpectRegex))
		bodyProblem = true
	}
	if bodyProblem && more {
		problems = append(problems, fmt.Sprintf("only the first %d KiB of the body were checked", httpBodyCap>>10))
	}
	return problems
}

func acceptsRedirect(s StatusSet) bool {
	for _, r := range s {
		if r[0] <= 399 && r[1] >= 300 {
			return true
		}
	}
	return false
}

// shownURL is the part of u safe to show: scheme://host/path, without
// userinfo, query or fragment, which may carry tokens.
func shownURL(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}).String()
}

// scrubURL removes u's query and userinfo from msg, in case an error quotes
// the URL.
func scrubURL(msg string, u *url.URL) string {
	msg = strings.ReplaceAll(msg, u.String(), shownURL(u))
	if u.RawQuery != "" {
		msg = strings.ReplaceAll(msg, "?"+u.RawQuery, "")
		msg = strings.ReplaceAll(msg, u.RawQuery, "")
	}
	if u.User != nil {
		msg = strings.ReplaceAll(msg, u.User.String()+"@", "")
		if p, ok := u.User.Password(); ok && p != "" {
			msg = strings.ReplaceAll(msg, p, "")
		}
	}
	return msg
}

// unwrapURLError drops the *url.Error wrapper, whose text quotes the full
// URL (and, after a redirect, a URL we never saw).
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// outputCapture keeps the first and the last limit bytes of a stream of any
// length, so a program printing gigabytes costs at most 2×limit bytes of
// memory, and renders them like message.TruncateBytes would render the whole
// stream. It is safe for concurrent use.
type outputCapture struct {
	mu    sync.Mutex
	limit int
	head  []byte // the first limit bytes
	tail  []byte // ring of the last limit bytes; allocated once the stream outgrows head
	next  int    // where the next byte goes in tail, which is also the oldest byte
	total int64
}

func newOutputCapture(limit int) *outputCapture {
	if limit <= 0 {
		limit = DefaultOutputCap
	}
	return &outputCapture{limit: limit}
}

// Write keeps what it must of p; it never fails, so the program is never
// blocked by its own output.
func (c *outputCapture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := len(p)
	c.total += int64(n)
	if c.tail == nil {
		room := c.limit - len(c.head)
		k := min(room, len(p))
		if len(c.head)+k > cap(c.head) {
			grown := make([]byte, len(c.head), min(c.limit, max(2*cap(c.head), len(c.head)+k, 4096)))
			copy(grown, c.head)
			c.head = grown
		}
		c.head = append(c.head, p[:k]...)
		p = p[k:]
		if len(p) == 0 {
			return n, nil
		}
		// head is full and the stream goes on: from now on the ring holds
		// the last limit bytes, starting with head's.
		c.tail = make([]byte, c.limit)
		copy(c.tail, c.head)
	}
	if len(p) >= c.limit {
		copy(c.tail, p[len(p)-c.limit:])
		c.next = 0
		return n, nil
	}
	k := copy(c.tail[c.next:], p)
	copy(c.tail, p[k:])
	c.next = (c.next + len(p)) % c.limit
	return n, nil
}

// String returns at most limit bytes of valid UTF-8: the whole stream, or its
// head and tail around a marker saying how many bytes were cut. Invalid bytes
// become U+FFFD.
func (c *outputCapture) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tail == nil {
		s, _ := sanitizePrefix(c.head, len(c.head)*3)
		return message.TruncateBytes(string(s), c.limit)
	}
	tail := make([]byte, c.limit)
	copy(tail, c.tail[c.next:])
	copy(tail[c.limit-c.next:], c.tail[:c.next])

	// As in message.TruncateBytes: the marker's length depends on the
	// number it prints, so start from the worst case and shrink. The
	// number only decreases, so the result never exceeds limit.
	marker := cutMarker(c.total)
	if len(marker) >= c.limit {
		s, _ := sanitizePrefix(c.head, c.limit)
		return string(s)
	}
	var head, end []byte
	var removed int64
	for range 8 {
		budget := c.limit - len(marker)
		var hu, tu int
		head, hu = sanitizePrefix(c.head, budget*2/5)
		end, tu = sanitizeSuffix(tail, budget-len(head))
		removed = c.total - int64(hu) - int64(tu)
		next := cutMarker(removed)
		if len(next) == len(marker) {
			break
		}
		marker = next
	}
	var sb strings.Builder
	marker = cutMarker(removed)
	sb.Grow(len(head) + len(marker) + len(end))
	sb.Write(head)
	sb.WriteString(marker)
	sb.Write(end)
	return sb.String()
}

// cutMarker matches message.TruncateBytes's marker.
func cutMarker(n int64) string { return fmt.Sprintf("\n…[%d bytes cut]…\n", n) }

var replacementChar = []byte(string(utf8.RuneError))

// sanitizePrefix returns the longest valid-UTF-8 rendering of a prefix of b
// that fits in max bytes (invalid bytes become U+FFFD) and how many bytes of
// b it used.
func sanitizePrefix(b []byte, max int) (out []byte, used int) {
	out = make([]byte, 0, min(max, len(b)))
	for used < len(b) {
		r, size := utf8.DecodeRune(b[used:])
		piece := b[used : used+size]
		if r == utf8.RuneError && size == 1 {
			piece = replacementChar
		}
		if len(out)+len(piece) > max {
			break
		}
		out = append(out, piece...)
		used += size
	}
	return out, used
}

// dropPartialRune removes an incomplete (but so far valid) rune from the
// end of b.
func dropPartialRune(b []byte) []byte {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return b[:i]
			}
			break
		}
	}
	return b
}

// sanitizeSuffix is sanitizePrefix for the end of b.
func sanitizeSuffix(b []byte, max int) (out []byte, used int) {
	size := func(end int) (raw, rendered int) {
		r, n := utf8.DecodeLastRune(b[:end])
		if r == utf8.RuneError && n == 1 {
			return 1, len(replacementChar)
		}
		return n, n
	}
	length := 0
	for used < len(b) {
		raw, rendered := size(len(b) - used)
		if length+rendered > max {
			break
		}
		length += rendered
		used += raw
	}
	out = make([]byte, length)
	pos, end := length, len(b)
	for end > len(b)-used {
		raw, rendered := size(end)
		if raw == rendered {
			copy(out[pos-rendered:], b[end-raw:end])
		} else {
			copy(out[pos-rendered:], replacementChar)
		}
		pos -= rendered
		end -= raw
	}
	return out, used
}
