package dispatch

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"text/template"
	"time"
	"unicode/utf8"

	"github.com/heraldpush/herald/engine/message"
	"github.com/heraldpush/herald/engine/task"
)

// Runs recorded in UTC, shown in UTC+8: the messages must use the given
// location.
var (
	renderStart = time.Date(2026, 3, 1, 4, 0, 0, 0, time.UTC)
	renderLoc   = time.FixedZone("CST", 8*3600)
)

func renderRuns() map[string]task.Run {
	one, zero := 1, 0
	return map[string]task.Run{
		"success": {TaskName: "Backup", Trigger: task.TriggerManual, Status: task.StatusSuccess, Started: renderStart,
			Finished: renderStart.Add(450 * time.Millisecond), ExitCode: &zero, Output: "done\n"},
		"failure": {TaskName: "Backup", Trigger: task.TriggerAuto, Status: task.StatusFailure, Started: renderStart,
			Finished: renderStart.Add(83*time.Second + 400*time.Millisecond), ExitCode: &one,
			Output: "copying\ndisk full\n", Error: "exit status 1"},
		"timeout": {TaskName: "Site", Trigger: task.TriggerAuto, Status: task.StatusTimeout, Started: renderStart,
			Finished: renderStart.Add(10 * time.Minute), HTTPStatus: 0, Error: "timed out after 10m0s"},
		"recovered": {TaskName: "Site", Trigger: task.TriggerAuto, Status: task.StatusSuccess, Started: renderStart,
			Finished: renderStart.Add(2*time.Hour + 5*time.Second), HTTPStatus: 200, Output: "HTTP 200 OK"},
	}
}

func TestRenderDefaults(t *testing.T) {
	tests := []struct {
		lang, run string
		reason    Reason
		title     string
		body      string
		level     message.Level
	}{
		{"en", "success", ReasonSuccess, "✅ Backup succeeded", `Task: Backup
Status: succeeded
Trigger: manual run
Started: 2026-03-01 12:00:00
Finished: 2026-03-01 12:00:00
Duration: 450ms
Exit code: 0

Output:
done`, message.LevelSuccess},
		{"en", "failure", ReasonFailure, "❌ Backup failed", `Task: Backup
Status: failed
Trigger: automatic run
Started: 2026-03-01 12:00:00
Finished: 2026-03-01 12:01:23
Duration: 1m23s
Exit code: 1
Error: exit status 1

Output:
copying
disk full`, message.LevelError},
		{"en", "timeout", ReasonFailure, "⌛ Site timed out", `Task: Site
Status: timed out
Trigger: automatic run
Started: 2026-03-01 12:00:00
Finished: 2026-03-01 12:10:00
Duration: 10m
Error: timed out after 10m0s`, message.LevelError},
		{"en", "recovered", ReasonRecovered, "🔁 Site recovered", `Task: Site
Status: succeeded
Trigger: automatic run
Started: 2026-03-01 12:00:00
Finished: 2026-03-01 14:00:05
Duration: 2h5s
HTTP status: 200

Output:
HTTP 200 OK`, message.LevelSuccess},
		{"zh", "success", ReasonSuccess, "✅ Backup 执行成功", `任务：Backup
执行状态：执行成功
执行方式：手动执行
开始时间：2026-03-01 12:00:00
结束时间：2026-03-01 12:00:00
执行时长：450 毫秒
退出码：0

执行输出：
done`, message.LevelSuccess},
		{"zh", "failure", ReasonFailure, "❌ Backup 执行失败", `任务：Backup
执行状态：执行失败
执行方式：自动执行
开始时间：2026-03-01 12:00:00
结束时间：2026-03-01 12:01:23
执行时长：1 分钟 23 秒
退出码：1
错误信息：退出码 1

执行输出：
copying
disk full`, message.LevelError},
		{"zh", "timeout", ReasonFailure, "⌛ Site 超时", `任务：Site
执行状态：超时
执行方式：自动执行
开始时间：2026-03-01 12:00:00
结束时间：2026-03-01 12:10:00
执行时长：10 分钟
错误信息：超时（10 分钟）`, message.LevelError},
		{"zh", "recovered", ReasonRecovered, "🔁 Site 已恢复", `任务：Site
执行状态：执行成功
执行方式：自动执行
开始时间：2026-03-01 12:00:00
结束时间：2026-03-01 14:00:05
执行时长：2 小时
HTTP 状态码：200

执行输出：
HTTP 200 OK`, message.LevelSuccess},
	}
	for _, tt := range tests {
		t.Run(tt.lang+" "+tt.run, func(t *testing.T) {
			s := DefaultSettings()
			s.Language = tt.lang
			m, err := Render(s, renderRuns()[tt.run], tt.reason, renderLoc)
			if err != nil {
				t.Fatal(err)
			}
			if m.Title != tt.title || m.Body != tt.body || m.Level != tt.level || m.Markdown {
				t.Errorf("got title %q level %q markdown %v body\n%s\n\nwant title %q level %q body\n%s",
					m.Title, m.Level, m.Markdown, m.Body, tt.title, tt.level, tt.body)
			}
		})
	}
}

// "" follows the system's language as gettext reads it.
func TestRenderSystemLanguage(t *testing.T) {
	run := renderRuns()["failure"]
	for _, tt := range []struct {
		env   map[string]string
		title string
	}{
		{map[string]string{"LANGUAGE": "zh_CN:en", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "en_US.UTF-8"}, "❌ Backup 执行失败"},
		{map[string]string{"LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "zh_TW.UTF-8"}, "❌ Backup 执行失败"},
		{map[string]string{"LANGUAGE": "", "LC_ALL": "de_DE.UTF-8", "LC_MESSAGES": "", "LANG": "zh_CN.UTF-8"}, "❌ Backup failed"},
		{map[string]string{"LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": ""}, "❌ Backup failed"},
	} {
		for k, v := range tt.env {
			t.Setenv(k, v)
		}
		m, err := Render(DefaultSettings(), run, ReasonFailure, renderLoc)
		if err != nil || m.Title != tt.title {
			t.Errorf("env %v: title %q (%v), want %q", tt.env, m.Title, err, tt.title)
		}
	}
}

func TestRenderCustomTemplates(t *testing.T) {
	s := DefaultSettings()
	s.Language = "en"
	s.TitleTemplate = "[{{.Reason}}] {{.Task}}\n is {{.Status}}"
	s.BodyTemplate = "{{.Trigger}}/{{.TriggerText}} {{.StatusText}} {{.Start}}→{{.End}} ({{.Duration}})" +
		"{{with .ExitCode}} exit={{.}}{{end}}{{if .HTTPStatus}} http={{.HTTPStatus}}{{end}}\n{{.Error}}\n{{.Output}}\n\n"
	m, err := Render(s, renderRuns()["failure"], ReasonFailure, renderLoc)
	if err != nil {
		t.Fatal(err)
	}
	// The title is folded onto one line; the body keeps its lines but not
	// its trailing blank ones.
	wantTitle := "[failure] Backup is failure"
	wantBody := "auto/automatic run failed 2026-03-01 12:00:00→2026-03-01 12:01:23 (1m23s) exit=1\nexit status 1\ncopying\ndisk full"
	if m.Title != wantTitle || m.Body != wantBody {
		t.Errorf("got %q\n%q\nwant %q\n%q", m.Title, m.Body, wantTitle, wantBody)
	}

	// Only the body customised: the title stays the default.
	s = DefaultSettings()
	s.Language = "zh"
	s.BodyTemplate = "{{.Task}}：{{.Error}}"
	m, err = Render(s, renderRuns()["timeout"], ReasonFailure, renderLoc)
	if err != nil || m.Title != "⌛ Site 超时" || m.Body != "Site：超时（10 分钟）" {
		t.Errorf("got %q %q (%v)", m.Title, m.Body, err)
	}
}

func TestRenderBadTemplateFallsBack(t *testing.T) {
	run := renderRuns()["failure"]
	defaults := func(lang string) (string, string) {
		s := DefaultSettings()
		s.Language = lang
		m, err := Render(s, run, ReasonFailure, renderLoc)
		if err != nil {
			t.Fatal(err)
		}
		return m.Title, m.Body
	}
	enTitle, enBody := defaults("en")
	zhTitle, zhBody := defaults("zh")
	tests := []struct {
		name, lang, title, body string
		wantTitle, wantBody     string
	}{
		{"unknown field in the title", "en", "{{.Nope}}", "", enTitle,
			enBody + "\n\n(The custom title template failed, so the default was used: template: title_template:1:2: executing \"title_template\" at <.Nope>: can't evaluate field Nope in type dispatch.RunView)"},
		{"parse error in the body", "en", "", "{{.Task", enTitle,
			enBody + "\n\n(The custom body template failed, so the default was used: template: body_template:1: unclosed action)"},
		{"both bad, in Chinese", "zh", "{{.Nope}}", "{{if}}", zhTitle,
			zhBody + "\n\n（自定义标题模板出错，已改用默认模板：template: title_template:1:2: executing \"title_template\" at <.Nope>: can't evaluate field Nope in type dispatch.RunView）" +
				"\n（自定义正文模板出错，已改用默认模板：template: body_template:1: missing value for if）"},
		{"runaway output", "en", "", "{{range 100000000}}" + strings.Repeat("x", 256) + "{{end}}", enTitle,
			enBody + "\n\n(The custom body template failed, so the default was used: the template writes more than 64 KiB)"},
		{"runaway loop", "en", "", "{{range 10000}}{{range 10000}}{{end}}{{end}}", enTitle,
			enBody + "\n\n(The custom body template failed, so the default was used: the template runs longer than 1s (a range over a large number?))"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := DefaultSettings()
			s.Language, s.TitleTemplate, s.BodyTemplate = tt.lang, tt.title, tt.body
			m, err := Render(s, run, ReasonFailure, renderLoc)
			if err != nil {
				t.Fatal(err)
			}
			if m.Title != tt.wantTitle || m.Body != tt.wantBody {
				t.Errorf("got %q\n%s\nwant %q\n%s", m.Title, m.Body, tt.wantTitle, tt.wantBody)
			}
		})
	}
}

// A panic inside a template's execution comes back as an error (a
// template must never cost the run its record or its push).
func TestRunTemplateRecoversPanics(t *testing.T) {
	tmpl := template.Must(template.New("t").Funcs(template.FuncMap{
		"boom": func() string { panic("kaboom") },
	}).Parse("{{boom}}"))
	out, err := runTemplate(tmpl, RunView{})
	if err == nil || out != "" || !strings.Contains(err.Error(), "kaboom") {
		t.Errorf("got %q, %v", out, err)
	}
	// A nil ExitCode printed directly does not panic either.
	s := DefaultSettings()
	s.Language, s.BodyTemplate = "en", "code {{.ExitCode}}"
	if m, err := Render(s, renderRuns()["timeout"], ReasonFailure, renderLoc); err != nil || m.Body != "code <nil>" {
		t.Errorf("nil exit code: %q %v", m.Body, err)
	}
}

func TestOutputTail(t *testing.T) {
	// 5000 numbered lines: the message keeps the last ones, whole, and
	// says how much went.
	var b strings.Builder
	for i := 1; i <= 5000; i++ {
		fmt.Fprintf(&b, "line %04d\n", i)
	}
	out := b.String() + "FATAL: disk full"
	got := outputTail(out, MaxOutputChars)
	n := utf8.RuneCountInString(got)
	marker, kept, ok := strings.Cut(got, "\n")
	if !ok || n > MaxOutputChars || n < MaxOutputChars-20 {
		t.Fatalf("tail of %d characters: %q…", n, got[:40])
	}
	if !strings.HasSuffix(got, "line 5000\nFATAL: disk full") || !strings.HasPrefix(kept, "line ") {
		t.Errorf("tail does not keep whole last lines: %q … %q", kept[:20], got[len(got)-30:])
	}
	if want := tailMarker(len(out) - len(kept)); marker+"\n" != want || !strings.HasSuffix(out, kept) {
		t.Errorf("marker %q, want %q", marker, want)
	}

	// Characters, not bytes: Chinese output is cut on rune boundaries.
	zh := strings.Repeat("错误", 3000) + "结束"
	got = outputTail(zh, MaxOutputChars)
	if n := utf8.RuneCountInString(got); n != MaxOutputChars || !utf8.ValidString(got) || !strings.HasSuffix(got, "错误结束") {
		t.Errorf("Chinese tail: %d characters, valid %v", n, utf8.ValidString(got))
	}
	if !strings.HasPrefix(got, "…[4021 chars cut]…\n") {
		t.Errorf("Chinese tail starts %q", string([]rune(got)[:20]))
	}

	// At the limit nothing is cut.
	exact := strings.Repeat("a", MaxOutputChars)
	if got := outputTail(exact, MaxOutputChars); got != exact {
		t.Errorf("output of exactly %d characters was cut", MaxOutputChars)
	}

	// Through Render: the body carries the tail.
	s := DefaultSettings()
	s.Language = "en"
	run := renderRuns()["failure"]
	run.Output = out
	m, err := Render(s, run, ReasonFailure, renderLoc)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Body, "\n\nOutput:\n…[") || !strings.HasSuffix(m.Body, "FATAL: disk full") || strings.Contains(m.Body, "line 0001") {
		t.Errorf("body does not carry the output's tail: %q", m.Body[:200])
	}
}

func TestHumanDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "0s"},
		{0, "0s"},
		{400 * time.Microsecond, "0ms"},
		{450 * time.Millisecond, "450ms"},
		{999 * time.Millisecond, "999ms"},
		{time.Second, "1s"},
		{1500 * time.Millisecond, "2s"},
		{83*time.Second + 400*time.Millisecond, "1m23s"},
		{time.Minute, "1m"},
		{2*time.Hour + 5*time.Second, "2h5s"},
		{26*time.Hour + 3*time.Minute, "1d2h3m"},
	}
	for _, tt := range tests {
		if got := humanDuration(tt.d); got != tt.want {
			t.Errorf("humanDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
	// A run that has not finished has no duration (and no end).
	v := newRunView(task.Run{Started: renderStart, Status: task.StatusFailure}, ReasonFailure, "en", renderLoc)
	if v.Duration != "" || v.End != "" || v.Start != "2026-03-01 12:00:00" {
		t.Errorf("unfinished run: %+v", v)
	}
}

func TestCheckTemplates(t *testing.T) {
	tests := []struct {
		name, title, body string
		field, msg        string
	}{
		{"defaults", "", "", "", ""},
		{"the defaults spelled out", titleEN, bodyZH, "", ""},
		{"every field", "{{.Task}}{{.Status}}{{.StatusText}}{{.Trigger}}{{.TriggerText}}{{.Reason}}",
			"{{.Start}}{{.End}}{{.Duration}}{{.Output}}{{.Error}}{{.ExitCode}}{{.HTTPStatus}}", "", ""},
		{"title parse error", "{{.Task", "", "title_template", "not a valid template: template: title_template:1: unclosed action"},
		{"body parse error", "", "{{end}}", "body_template", "not a valid template: template: body_template:1: unexpected {{end}}"},
		{"unknown function", "{{upper .Task}}", "", "title_template", `function "upper" not defined`},
		{"unknown field", "", "{{.Name}}", "body_template",
			"the template fails: template: body_template:1:2: executing \"body_template\" at <.Name>: can't evaluate field Name in type dispatch.RunView (fields: .Task, .Status, .StatusText"},
		// Only the HTTP sample reaches the bad field: every sample is run.
		{"error in a branch", "", `{{if .HTTPStatus}}{{.Nope}}{{end}}`, "body_template", "can't evaluate field Nope"},
		{"runaway output", "", "{{range 100000000}}" + strings.Repeat("x", 256) + "{{end}}", "body_template", "the template fails: the template writes more than 64 KiB"},
		{"runaway loop", "{{range 100000000}}{{end}}", "", "title_template", "the template fails: the template runs longer than 1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckTemplates(tt.title, tt.body)
			checkFieldError(t, err, tt.field, tt.msg)
			if tt.field != "" {
				var fe *FieldError
				if errors.As(err, &fe) && fe.Err == nil {
					t.Errorf("the cause is not kept")
				}
			}
		})
	}
}

func TestRenderLevel(t *testing.T) {
	tests := []struct {
		status task.Status
		reason Reason
		want   message.Level
	}{
		{task.StatusFailure, ReasonFailure, message.LevelError},
		{task.StatusTimeout, ReasonFailure, message.LevelError},
		{task.StatusSuccess, ReasonSuccess, message.LevelSuccess},
		{task.StatusSuccess, ReasonRecovered, message.LevelSuccess},
		{task.StatusTimeout, "", message.LevelError},
		{task.StatusSuccess, "", message.LevelSuccess},
		{task.StatusSkipped, "", message.LevelInfo},
	}
	for _, tt := range tests {
		if got := runLevel(tt.status, tt.reason); got != tt.want {
			t.Errorf("runLevel(%s, %q) = %s, want %s", tt.status, tt.reason, got, tt.want)
		}
	}
}

// Templates end at the size cap or the time limit, whatever loop or
// string-building they attempt, and well-behaved loops are unaffected.
func TestTemplateLimits(t *testing.T) {
	tests := []struct {
		name, text string
		want       error
		out        string
	}{
		{"output", "{{range 100000000}}" + strings.Repeat("x", 256) + "{{end}}", errTemplateTooLong, ""},
		{"silent loop", "{{range 100000000}}{{end}}", errTemplateTooSlow, ""},
		{"nested loops", "{{range 100000}}{{range 100000}}{{end}}{{end}}", errTemplateTooSlow, ""},
		{"loop inside if and with", "{{if true}}{{with .Task}}{{range $i := 100000000}}{{if false}}x{{end}}{{end}}{{end}}{{end}}", errTemplateTooSlow, ""},
		{"loop in a defined template", `{{define "a"}}{{range 1000000}}{{end}}{{end}}{{range 1000}}{{template "a"}}{{end}}`, errTemplateTooSlow, ""},
		{"loop in the else of a range", `{{range 0}}{{else}}{{range 100000000}}{{end}}{{end}}`, errTemplateTooSlow, ""},
		{"doubling with printf", `{{$x := .Output}}{{range 64}}{{$x = printf "%s%s" $x $x}}{{end}}{{len $x}}`, errTemplateTooLong, ""},
		{"doubling with print", `{{$x := .Output}}{{range 64}}{{$x = print $x $x}}{{end}}{{len $x}}`, errTemplateTooLong, ""},
		{"growing with html", `{{$x := "&"}}{{range 64}}{{$x = html $x $x}}{{end}}{{len $x}}`, errTemplateTooLong, ""},
		{"break still works", "{{range 100000000}}{{break}}{{end}}ok", nil, "ok"},
		{"small loops pass", `{{range $i := 3}}{{$i}}{{end}} {{printf "%s!" .Task}} {{html "<b>"}}`, nil, "012 Backup! &lt;b&gt;"},
	}
	v := newRunView(sampleRuns()[0].run, ReasonFailure, "en", time.UTC)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl, err := parseTemplate("body_template", tt.text)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			out, err := runTemplate(tmpl, v)
			took := time.Since(start)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if out != tt.out {
				t.Errorf("output %q, want %q", out, tt.out)
			}
			if took > templateTimeLimit+time.Second {
				t.Errorf("took %v; the limit is %v", took, templateTimeLimit)
			}
			t.Logf("took %v", took.Round(time.Millisecond))
		})
	}
}
