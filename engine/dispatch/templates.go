package dispatch

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/template"
	"text/template/parse"
	"time"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/message"
	"github.com/heraldpush/herald/engine/task"
)

// RunView is what title and body templates see of a run. Templates are Go
// text/template: write {{.Task}} for a field, {{if .Error}}…{{end}} for a
// part shown only when a field is set, {{with .ExitCode}}{{.}}{{end}} for
// the exit code.
//
// Fields:
//
//	.Task         the task's name
//	.Status       how the run ended: success, failure, timeout or skipped
//	.StatusText   the same in the message's language: "succeeded", "failed",
//	              "timed out" / "执行成功", "执行失败", "超时"
//	.Trigger      why it ran: auto (its schedule), manual (Run now) or test
//	.TriggerText  the same in the message's language: "automatic run",
//	              "manual run" / "自动执行", "手动执行"
//	.Start        when it started, local time, "2006-01-02 15:04:05"
//	.End          when it ended, same format
//	.Duration     how long it took, e.g. "450ms", "1m23s", "2h5m" ("1 分钟 23 秒" in Chinese)
//	.Output       the end of what it printed (at most 2000 characters; an
//	              earlier part is replaced by a "…[N chars cut]…" line)
//	.Error        why it failed ("exit status 3", in Chinese "退出码 3"); empty for a success
//	.ExitCode     a command's exit code; empty when the command never ran
//	              or was killed (test it with {{with .ExitCode}})
//	.HTTPStatus   an HTTP check's answer status, 0 when there was no answer
//	.Reason       why this message is sent: failure, success or recovered
//	              (the first success after a failure that was pushed)
type RunView struct {
	Task        string
	Status      string
	StatusText  string
	Trigger     string
	TriggerText string
	Start       string
	End         string
	Duration    string
	Output      string
	Error       string
	ExitCode    *int
	HTTPStatus  int
	Reason      string
}

// templateFields lists RunView's fields for error messages.
const templateFields = ".Task, .Status, .StatusText, .Trigger, .TriggerText, .Start, .End, .Duration, .Output, .Error, .ExitCode, .HTTPStatus, .Reason"

// Limits of a rendered message.
const (
	// MaxOutputChars is how much of a run's output a message carries: the
	// end, where a failing program usually says why.
	MaxOutputChars = 2000
	// maxTemplateOutput stops a runaway template ({{range 1000000000}})
	// before it eats memory; no channel takes messages this long anyway.
	// It also caps every string print, printf, html… make, so a template
	// cannot double a variable in a loop until memory runs out.
	maxTemplateOutput = 64 << 10
	// templateTimeLimit bounds one template's execution; a range that
	// prints nothing is not stopped by the size cap.
	templateTimeLimit = time.Second
	// timeLayout is how times appear in messages.
	timeLayout = "2006-01-02 15:04:05"
)

// Default templates. Titles start with a sign readable at a glance in a
// notification list; zh uses QD's terms, which its users know.
const (
	titleEN = `{{if eq .Reason "recovered"}}🔁 {{.Task}} recovered{{else}}` +
		`{{if eq .Status "success"}}✅{{else if eq .Status "timeout"}}⌛{{else if eq .Status "skipped"}}⏭{{else}}❌{{end}} ` +
		`{{.Task}} {{.StatusText}}{{end}}`
	bodyEN = `Task: {{.Task}}
Status: {{.StatusText}}
Trigger: {{.TriggerText}}
Started: {{.Start}}
Finished: {{.End}}
Duration: {{.Duration}}
{{- with .ExitCode}}
Exit code: {{.}}{{end}}
{{- if .HTTPStatus}}
HTTP status: {{.HTTPStatus}}{{end}}
{{- if .Error}}
Error: {{.Error}}{{end}}
{{- if .Output}}

Output:
{{.Output}}{{end}}`

	titleZH = `{{if eq .Reason "recovered"}}🔁 {{.Task}} 已恢复{{else}}` +
		`{{if eq .Status "success"}}✅{{else if eq .Status "timeout"}}⌛{{else if eq .Status "skipped"}}⏭{{else}}❌{{end}} ` +
		`{{.Task}} {{.StatusText}}{{end}}`
	bodyZH = `任务：{{.Task}}
执行状态：{{.StatusText}}
执行方式：{{.TriggerText}}
开始时间：{{.Start}}
结束时间：{{.End}}
执行时长：{{.Duration}}
{{- with .ExitCode}}
退出码：{{.}}{{end}}
{{- if .HTTPStatus}}
HTTP 状态码：{{.HTTPStatus}}{{end}}
{{- if .Error}}
错误信息：{{.Error}}{{end}}
{{- if .Output}}

执行输出：
{{.Output}}{{end}}`
)

// words are the texts a message needs besides its template.
type words struct {
	status        map[task.Status]string
	trigger       map[task.Trigger]string
	templateNote  string // %s: which template, %v: its error
	titleTemplate string
	bodyTemplate  string
}

var wordsByLang = map[string]words{
	"en": {
		status: map[task.Status]string{
			task.StatusSuccess: "succeeded", task.StatusFailure: "failed",
			task.StatusTimeout: "timed out", task.StatusSkipped: "skipped",
		},
		trigger: map[task.Trigger]string{
			task.TriggerAuto: "automatic run", task.TriggerManual: "manual run", task.TriggerTest: "test run",
		},
		templateNote:  "(The custom %s failed, so the default was used: %v)",
		titleTemplate: "title template",
		bodyTemplate:  "body template",
	},
	"zh": {
		status: map[task.Status]string{
			task.StatusSuccess: "执行成功", task.StatusFailure: "执行失败",
			task.StatusTimeout: "超时", task.StatusSkipped: "已跳过",
		},
		trigger: map[task.Trigger]string{
			task.TriggerAuto: "自动执行", task.TriggerManual: "手动执行", task.TriggerTest: "测试执行",
		},
		templateNote:  "（自定义%s出错，已改用默认模板：%v）",
		titleTemplate: "标题模板",
		bodyTemplate:  "正文模板",
	},
}

// DefaultTemplates returns the title and body templates used when the
// settings have none: "zh" gives Chinese, anything else English ("" is
// resolved to the system's language by Render, not here).
func DefaultTemplates(lang string) (title, body string) {
	if lang == "zh" {
		return titleZH, bodyZH
	}
	return titleEN, bodyEN
}

// messageLanguage resolves the settings' language: "" follows the system's
// locale the way gettext reads it, Chinese when it names zh, else English.
func messageLanguage(setting string) string {
	switch setting {
	case "en", "zh":
		return setting
	}
	for _, k := range []string{"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := os.Getenv(k); v != "" {
			if strings.HasPrefix(strings.ToLower(v), "zh") {
				return "zh"
			}
			return "en"
		}
	}
	return "en"
}

// newRunView prepares r for the templates.
func newRunView(r task.Run, reason Reason, lang string, loc *time.Location) RunView {
	w := wordsByLang[lang]
	v := RunView{
		Task:        r.TaskName,
		Status:      string(r.Status),
		StatusText:  w.status[r.Status],
		Trigger:     string(r.Trigger),
		TriggerText: w.trigger[r.Trigger],
		Start:       formatTime(r.Started, loc),
		End:         formatTime(r.Finished, loc),
		Output:      outputTail(strings.TrimRight(r.Output, " \t\r\n"), MaxOutputChars),
		Error:       strings.TrimSpace(runError(r, lang)),
		ExitCode:    r.ExitCode,
		HTTPStatus:  r.HTTPStatus,
		Reason:      string(reason),
	}
	if v.StatusText == "" {
		v.StatusText = v.Status
	}
	if v.TriggerText == "" {
		v.TriggerText = v.Trigger
	}
	if !r.Started.IsZero() && !r.Finished.IsZero() {
		v.Duration = humanDuration(r.Duration())
		if lang == "zh" {
			v.Duration = i18n.Duration(r.Duration()).In(i18n.Chinese)
		}
	}
	return v
}

// runError is why r failed, for a message in lang: English messages keep
// the run's own words (templates and scripts may match them), Chinese ones
// read its outcome ("退出码 3").
func runError(r task.Run, lang string) string {
	if lang != "zh" || r.Error == "" {
		return r.Error
	}
	return task.Outcome(r).In(i18n.Chinese)
}

func formatTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	if loc == nil {
		loc = time.Local
	}
	return t.In(loc).Format(timeLayout)
}

// humanDuration writes d the way people read it: "450ms" under a second,
// else whole seconds with zero units left out ("1m23s", "2h5m", "1d3h").
func humanDuration(d time.Duration) string {
	if d <= 0 {
		return "0s"
	}
	if d < time.Second {
		return fmt.Sprintf("%dms", d.Round(time.Millisecond)/time.Millisecond)
	}
	d = d.Round(time.Second)
	var b strings.Builder
	for _, u := range []struct {
		size time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if n := d / u.size; n > 0 {
			fmt.Fprintf(&b, "%d%s", n, u.name)
			d -= n * u.size
		}
	}
	return b.String()
}

// outputTail keeps the last max characters of s: a failing program says why
// at the end. The dropped head is replaced by a marker line that counts it,
// and the kept part starts at a line boundary when one is near.
func outputTail(s string, max int) string {
	n := utf8.RuneCountInString(s)
	if n <= max {
		return s
	}
	// Size the marker for the largest count it can show, so the result
	// never exceeds max whatever is cut.
	budget := max - utf8.RuneCountInString(tailMarker(n))
	r := []rune(s)
	if budget <= 0 {
		return string(r[n-max:])
	}
	tail := r[n-budget:]
	if r[n-budget-1] != '\n' {
		for i := 0; i < len(tail)/10; i++ {
			if tail[i] == '\n' {
				tail = tail[i+1:]
				break
			}
		}
	}
	return tailMarker(n-len(tail)) + string(tail)
}

func tailMarker(cut int) string { return fmt.Sprintf("…[%d chars cut]…\n", cut) }

// limitedBuffer fails the template's execution once it has written max
// bytes.
type limitedBuffer struct {
	bytes.Buffer
	max int
}

var (
	errTemplateTooLong = fmt.Errorf("the template writes more than %d KiB", maxTemplateOutput>>10)
	errTemplateTooSlow = fmt.Errorf("the template runs longer than %v (a range over a large number?)", templateTimeLimit)
)

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > b.max {
		return 0, errTemplateTooLong
	}
	return b.Buffer.Write(p)
}

// checkpointFunc is called at the start of every template and of every
// range iteration (parseTemplate puts it there): text/template cannot be
// interrupted, but a function that returns an error ends the execution.
const checkpointFunc = "heraldCheckpoint"

// templateFuncs are the functions of an execution that must end by
// deadline: the checkpoint, and the string-making builtins replaced by
// versions that refuse results longer than maxTemplateOutput.
func templateFuncs(deadline time.Time) template.FuncMap {
	return template.FuncMap{
		checkpointFunc: func() (string, error) {
			if time.Now().After(deadline) {
				return "", errTemplateTooSlow
			}
			return "", nil
		},
		"print":    capped(fmt.Sprint),
		"println":  capped(fmt.Sprintln),
		"printf":   func(f string, a ...any) (string, error) { return capString(fmt.Sprintf(f, a...)) },
		"html":     capped(template.HTMLEscaper),
		"js":       capped(template.JSEscaper),
		"urlquery": capped(template.URLQueryEscaper),
	}
}

func capped(f func(...any) string) func(...any) (string, error) {
	return func(a ...any) (string, error) { return capString(f(a...)) }
}

func capString(s string) (string, error) {
	if len(s) > maxTemplateOutput {
		return "", errTemplateTooLong
	}
	return s, nil
}

// parseTemplate parses one template; name shows in its error messages.
func parseTemplate(name, text string) (*template.Template, error) {
	t, err := template.New(name).Option("missingkey=error").Funcs(templateFuncs(time.Time{})).Parse(text)
	if err != nil {
		return nil, err
	}
	cp, err := template.New("checkpoint").Funcs(templateFuncs(time.Time{})).Parse("{{" + checkpointFunc + "}}")
	if err != nil {
		return nil, fmt.Errorf("parse the checkpoint: %w", err)
	}
	for _, tt := range t.Templates() {
		if tt.Tree != nil && tt.Tree.Root != nil {
			addCheckpoints(tt.Tree.Root, cp.Tree.Root.Nodes[0])
			prepend(tt.Tree.Root, cp.Tree.Root.Nodes[0])
		}
	}
	return t, nil
}

// addCheckpoints puts cp at the start of every range body under n: every
// loop of a template, nested or not, then passes a checkpoint.
func addCheckpoints(n parse.Node, cp parse.Node) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			addCheckpoints(c, cp)
		}
	case *parse.IfNode:
		addCheckpoints(n.List, cp)
		addCheckpoints(n.ElseList, cp)
	case *parse.WithNode:
		addCheckpoints(n.List, cp)
		addCheckpoints(n.ElseList, cp)
	case *parse.RangeNode:
		addCheckpoints(n.List, cp)
		addCheckpoints(n.ElseList, cp)
		prepend(n.List, cp)
	}
}

func prepend(l *parse.ListNode, n parse.Node) {
	if l != nil {
		l.Nodes = append([]parse.Node{n}, l.Nodes...)
	}
}

// runTemplate executes t on v within templateTimeLimit and
// maxTemplateOutput. A panic inside (a bug in text/template or a value's
// method) becomes an error: a user's template must never take the run's
// recording down.
func runTemplate(t *template.Template, v RunView) (out string, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = "", fmt.Errorf("template %s panicked: %v", t.Name(), p)
		}
	}()
	t.Funcs(templateFuncs(time.Now().Add(templateTimeLimit)))
	buf := &limitedBuffer{max: maxTemplateOutput}
	if err := t.Execute(buf, v); err != nil {
		// Name the limit plainly rather than the checkpoint it stopped at;
		// callers say which template it was.
		for _, limit := range []error{errTemplateTooLong, errTemplateTooSlow} {
			if errors.Is(err, limit) {
				return "", limit
			}
		}
		return "", err
	}
	return buf.String(), nil
}

func renderTemplate(name, text string, v RunView) (string, error) {
	t, err := parseTemplate(name, text)
	if err != nil {
		return "", err
	}
	return runTemplate(t, v)
}

// Render builds the message for run r pushed for reason: title and body
// from the settings' templates, or the language's defaults. A custom
// template that fails is replaced by the default and the body says so,
// because a push with a note beats no push. The body is plain text; Level
// is error for failures and timeouts, success for successes. The error is
// non-nil only when no message could be built at all.
func Render(s Settings, r task.Run, reason Reason, loc *time.Location) (message.Message, error) {
	lang := messageLanguage(s.Language)
	w := wordsByLang[lang]
	v := newRunView(r, reason, lang, loc)
	defTitle, defBody := DefaultTemplates(lang)

	var notes []string
	render := func(name, custom, def, what string) (string, error) {
		if custom != "" {
			out, err := renderTemplate(name, custom, v)
			if err == nil {
				return out, nil
			}
			notes = append(notes, fmt.Sprintf(w.templateNote, what, err))
		}
		out, err := renderTemplate(name, def, v)
		if err != nil {
			return "", fmt.Errorf("render default %s: %w", name, err)
		}
		return out, nil
	}
	title, err := render("title_template", s.TitleTemplate, defTitle, w.titleTemplate)
	if err != nil {
		return message.Message{}, err
	}
	body, err := render("body_template", s.BodyTemplate, defBody, w.bodyTemplate)
	if err != nil {
		return message.Message{}, err
	}
	// A title is one line wherever it is shown.
	title = strings.Join(strings.Fields(title), " ")
	body = strings.TrimRight(body, " \t\r\n")
	if len(notes) > 0 {
		if body != "" {
			body += "\n\n"
		}
		body += strings.Join(notes, "\n")
	}
	return message.Message{Title: title, Body: body, Level: runLevel(r.Status, reason)}, nil
}

func runLevel(st task.Status, reason Reason) message.Level {
	switch {
	case reason == ReasonFailure, reason == "" && st.Failed():
		return message.LevelError
	case reason == ReasonSuccess, reason == ReasonRecovered, st == task.StatusSuccess:
		return message.LevelSuccess
	}
	return message.LevelInfo
}

// sampleRuns are what CheckTemplates executes templates against: a failed
// automatic command run and a recovered manual HTTP check, so both sides of
// the usual {{if}}s are exercised.
func sampleRuns() []struct {
	run    task.Run
	reason Reason
} {
	code := 1
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return []struct {
		run    task.Run
		reason Reason
	}{
		{task.Run{TaskName: "Backup", Trigger: task.TriggerAuto, Status: task.StatusFailure, Started: start,
			Finished: start.Add(83 * time.Second), ExitCode: &code, Output: "copying…\ndisk full", Error: "exit status 1"}, ReasonFailure},
		{task.Run{TaskName: "Site", Trigger: task.TriggerManual, Status: task.StatusSuccess, Started: start,
			Finished: start.Add(450 * time.Millisecond), HTTPStatus: 200, Output: "HTTP 200 OK"}, ReasonRecovered},
	}
}

// CheckTemplates parses title and body templates and executes them against
// sample runs, so a mistake is reported when the setting is saved rather
// than at the next push. An empty template means the default and passes.
// The error is a *FieldError naming title_template or body_template.
func CheckTemplates(title, body string) error {
	for _, tt := range []struct{ key, text string }{{"title_template", title}, {"body_template", body}} {
		if tt.text == "" {
			continue
		}
		t, err := parseTemplate(tt.key, tt.text)
		if err != nil {
			return &FieldError{Field: tt.key, Msg: fmt.Sprintf("not a valid template: %v", err), Err: err}
		}
		for _, lang := range []string{"en", "zh"} {
			for _, s := range sampleRuns() {
				if _, err := runTemplate(t, newRunView(s.run, s.reason, lang, time.UTC)); err != nil {
					msg := fmt.Sprintf("the template fails: %v (fields: %s)", err, templateFields)
					if errors.Is(err, errTemplateTooLong) || errors.Is(err, errTemplateTooSlow) {
						msg = fmt.Sprintf("the template fails: %v", err)
					}
					return &FieldError{Field: tt.key, Msg: msg, Err: err}
				}
			}
		}
	}
	return nil
}
