package task

import (
	"strings"
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/i18n/i18ntest"
)

// badTasks provoke every problem Validate reports.
var badTasks = []func(*Task){
	func(t *Task) { t.Name = " " },
	func(t *Task) { t.Name = strings.Repeat("名", 81) },
	func(t *Task) { t.Name = "a\tb" },
	func(t *Task) { t.Command = &Command{} },
	func(t *Task) { t.HTTP = &HTTPCheck{URL: "https://x"} },
	func(t *Task) { t.Command.Env = []string{"NOEQUALS"} },
	func(t *Task) { t.Command.OutputEncoding = "klingon" },
	func(t *Task) { *t = Task{Name: "x", Kind: KindHTTP} },
	func(t *Task) {
		*t = Task{Name: "x", Kind: KindHTTP, HTTP: &HTTPCheck{URL: "http://x"}, Command: &Command{Line: "x"}}
	},
	func(t *Task) { t.Kind = "mail" },
	func(t *Task) { t.Timeout = -time.Second },
	func(t *Task) { t.Overlap = "merge" },
	func(t *Task) { t.Missed = "later" },
	func(t *Task) { *t = Task{Name: "x", Kind: KindHTTP, HTTP: &HTTPCheck{URL: "example.com"}} },
	func(t *Task) { *t = Task{Name: "x", Kind: KindHTTP, HTTP: &HTTPCheck{URL: "http://x", Method: "get"}} },
	func(t *Task) {
		*t = Task{Name: "x", Kind: KindHTTP, HTTP: &HTTPCheck{URL: "http://x", ExpectStatus: "200-99"}}
	},
	func(t *Task) {
		*t = Task{Name: "x", Kind: KindHTTP, HTTP: &HTTPCheck{URL: "http://x", ExpectRegex: "(("}}
	},
	func(t *Task) {
		*t = Task{Name: "x", Kind: KindHTTP, HTTP: &HTTPCheck{URL: "http://x", Headers: map[string]string{"A B": "1"}}}
	},
	func(t *Task) { t.Schedule = Schedule{RandomDelay: -1} },
	func(t *Task) { t.Schedule = Schedule{Kind: ScheduleEvery, Every: time.Millisecond} },
	func(t *Task) { t.Schedule = Schedule{Kind: ScheduleDaily} },
	func(t *Task) { t.Schedule = Schedule{Kind: ScheduleDaily, Daily: []string{"8"}} },
	func(t *Task) { t.Schedule = Schedule{Kind: ScheduleDaily, Daily: []string{"08:0x"}} },
	func(t *Task) { t.Schedule = Schedule{Kind: ScheduleDaily, Daily: []string{"24:00"}} },
	func(t *Task) { t.Schedule = Schedule{Kind: ScheduleAt} },
	func(t *Task) { t.Schedule = Schedule{Kind: "weekly"} },
}

// badCrons provoke every problem ParseCron reports, in each field.
var badCrons = []string{
	"", "TZ=UTC 0 8 * * *", "* * *", "@fortnightly", "@every soon",
	"61 * * * *", "* 24 * * *", "* * 0 * *", "* * 32 * *", "* * * 13 *", "* * * FOO *", "* * * * 7", "* * * * MOO",
	"70 * * * * *", "*/0 * * * *", "5-2 * * * *", "x * * * *", "-1 * * * *",
}

// Every problem with a task or its schedule reads in Chinese, naming the
// setting, and every task and cron text is provoked.
func TestEveryTaskProblemReadsInChinese(t *testing.T) {
	seen := map[string]bool{}
	note := func(err error) {
		t.Helper()
		i18ntest.Check(t, err)
		txt, _ := i18n.TextOf(err)
		for _, k := range i18ntest.Keys(txt) {
			seen[k] = true
		}
	}
	for i, edit := range badTasks {
		task := cmdTask()
		edit(&task)
		err := task.Validate()
		if err == nil {
			t.Errorf("bad task %d passed", i)
			continue
		}
		note(err)
	}
	for _, expr := range badCrons {
		_, err := ParseCron(expr)
		if err == nil {
			t.Errorf("ParseCron(%q) passed", expr)
			continue
		}
		zh := i18n.Localize(i18n.Chinese, err)
		if strings.Contains(zh, "cron:") || strings.Contains(zh, "expected") {
			t.Errorf("ParseCron(%q) quotes the library: %q", expr, zh)
		}
		note(err)
		note(Schedule{Kind: ScheduleCron, Cron: expr}.Validate())
	}
	for _, key := range i18n.Keys(i18n.English) {
		if (strings.HasPrefix(key, "task.") || strings.HasPrefix(key, "cron.")) && !strings.HasPrefix(key, "task.field.") && key != "cron.invalid" && !seen[key] {
			t.Errorf("%s is never provoked", key)
		}
	}
	if seen["cron.invalid"] {
		t.Error("a cron problem fell back to the library's words")
	}
}

func TestCronProblemsNameTheField(t *testing.T) {
	tests := []struct{ expr, en, zh string }{
		{"61 * * * *", "minute field: 61 is above 59 (allowed 0–59)", "分钟字段：61 超出上限 59（允许 0–59）"},
		{"* * 0 * *", "day-of-month field: 0 is below 1 (allowed 1–31)", "日期字段：0 低于下限 1（允许 1–31）"},
		{"0 0 * 13 *", "month field: 13 is above 12 (allowed 1–12 or JAN–DEC)", "月份字段：13 超出上限 12（允许 1–12 或 JAN–DEC）"},
		{"* * * * 1-MOO", `weekday field: "MOO" is not a number (allowed 0–6 or SUN–SAT)`, `星期字段："MOO" 不是数字（允许 0–6 或 SUN–SAT）`},
		{"75 * * * * *", "second field: 75 is above 59 (allowed 0–59)", "秒字段：75 超出上限 59（允许 0–59）"},
	}
	for _, tt := range tests {
		_, err := ParseCron(tt.expr)
		if got := i18n.Localize(i18n.English, err); got != tt.en {
			t.Errorf("ParseCron(%q) English = %q, want %q", tt.expr, got, tt.en)
		}
		if got := i18n.Localize(i18n.Chinese, err); got != tt.zh {
			t.Errorf("ParseCron(%q) Chinese = %q, want %q", tt.expr, got, tt.zh)
		}
	}
	// Valid expressions the checker must not refuse where the library accepts.
	for _, expr := range []string{"*/15 * * * *", "0 8 * * MON-FRI", "0 0 1,15 JAN-jun ?", "0 30 9 * * 1-5", "@daily", "@every 1h30m"} {
		if _, err := ParseCron(expr); err != nil {
			t.Errorf("ParseCron(%q) = %v", expr, err)
		}
		if p := cronProblem(expr); p != nil && !strings.HasPrefix(expr, "@") {
			t.Errorf("cronProblem(%q) = %v for a valid expression", expr, p)
		}
	}
}
