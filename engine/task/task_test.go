package task

import (
	"strings"
	"testing"
	"time"
)

func cmdTask() Task {
	return Task{Name: "backup", Kind: KindCommand, Command: &Command{Line: "echo hi"}}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*Task)
		wantErr string
	}{
		{"ok", func(*Task) {}, ""},
		{"no name", func(t *Task) { t.Name = "  " }, "name: required"},
		{"two lines", func(t *Task) { t.Name = "a\nb" }, "name: must be one line"},
		{"no command", func(t *Task) { t.Command = &Command{} }, "command: required"},
		{"both", func(t *Task) { t.HTTP = &HTTPCheck{URL: "https://x"} }, "http: a task is either a command or an HTTP check, not both"},
		{"bad env", func(t *Task) { t.Command.Env = []string{"NOEQUALS"} }, `env: "NOEQUALS=…" must look like KEY=value`},
		{"negative timeout", func(t *Task) { t.Timeout = -time.Second }, "timeout: must not be negative"},
		{"bad overlap", func(t *Task) { t.Overlap = "merge" }, `overlap: must be skip or queue, got "merge"`},
		{"bad cron", func(t *Task) { t.Schedule = Schedule{Kind: ScheduleCron, Cron: "61 * * * *"} }, "cron:"},
		{"cron fields", func(t *Task) { t.Schedule = Schedule{Kind: ScheduleCron, Cron: "* * *"} }, "has 3 fields; use 5"},
		{"every too short", func(t *Task) { t.Schedule = Schedule{Kind: ScheduleEvery, Every: time.Millisecond} }, "every: must be at least 1s"},
		{"daily bad", func(t *Task) { t.Schedule = Schedule{Kind: ScheduleDaily, Daily: []string{"25:00"}} }, `daily: "25:00" is out of range`},
		{"daily none", func(t *Task) { t.Schedule = Schedule{Kind: ScheduleDaily} }, "daily: give at least one time"},
		{"at zero", func(t *Task) { t.Schedule = Schedule{Kind: ScheduleAt} }, "at: give a date-time"},
		{"random negative", func(t *Task) { t.Schedule.RandomDelay = -1 }, "random-delay: must not be negative"},
		{"http ok", func(t *Task) {
			*t = Task{Name: "x", Kind: KindHTTP, HTTP: &HTTPCheck{URL: "https://example.com/health", ExpectStatus: "2xx,301"}}
		}, ""},
		{"http bad url", func(t *Task) { *t = Task{Name: "x", Kind: KindHTTP, HTTP: &HTTPCheck{URL: "example.com"}} }, "url: must be an absolute http:// or https:// URL"},
		{"http bad status", func(t *Task) {
			*t = Task{Name: "x", Kind: KindHTTP, HTTP: &HTTPCheck{URL: "http://x", ExpectStatus: "200-99"}}
		}, "expect-status:"},
		{"http bad regex", func(t *Task) {
			*t = Task{Name: "x", Kind: KindHTTP, HTTP: &HTTPCheck{URL: "http://x", ExpectRegex: "(("}}
		}, "expect-regex: not a valid regular expression"},
		{"http bad method", func(t *Task) {
			*t = Task{Name: "x", Kind: KindHTTP, HTTP: &HTTPCheck{URL: "http://x", Method: "get it"}}
		}, "method: must be an HTTP method"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			task := cmdTask()
			tt.edit(&task)
			err := task.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseStatusSet(t *testing.T) {
	tests := []struct {
		in      string
		accepts []int
		rejects []int
		wantErr bool
	}{
		{"", []int{200, 204, 299}, []int{199, 300, 503}, false},
		{"200,204", []int{200, 204}, []int{201}, false},
		{"2xx,301", []int{250, 301}, []int{302}, false},
		{"200-399", []int{200, 302, 399}, []int{400}, false},
		{"600", nil, nil, true},
		{"abc", nil, nil, true},
		{"300-200", nil, nil, true},
	}
	for _, tt := range tests {
		s, err := ParseStatusSet(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseStatusSet(%q) err = %v", tt.in, err)
			continue
		}
		for _, c := range tt.accepts {
			if !s.Contains(c) {
				t.Errorf("%q should accept %d", tt.in, c)
			}
		}
		for _, c := range tt.rejects {
			if s.Contains(c) {
				t.Errorf("%q should reject %d", tt.in, c)
			}
		}
	}
}

func TestScheduleNext(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04:05", s, ny)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name  string
		s     Schedule
		from  string
		wants []string
	}{
		{"cron 5", Schedule{Kind: ScheduleCron, Cron: "*/15 * * * *"}, "2026-06-01 10:07:00", []string{"2026-06-01 10:15:00", "2026-06-01 10:30:00", "2026-06-01 10:45:00"}},
		{"cron 6", Schedule{Kind: ScheduleCron, Cron: "*/10 * * * * *"}, "2026-06-01 10:00:05", []string{"2026-06-01 10:00:10", "2026-06-01 10:00:20", "2026-06-01 10:00:30"}},
		{"every", Schedule{Kind: ScheduleEvery, Every: 5 * time.Minute}, "2026-06-01 10:00:00", []string{"2026-06-01 10:05:00", "2026-06-01 10:10:00", "2026-06-01 10:15:00"}},
		{"daily", Schedule{Kind: ScheduleDaily, Daily: []string{"20:30:15", "08:00"}}, "2026-06-01 09:00:00", []string{"2026-06-01 20:30:15", "2026-06-02 08:00:00", "2026-06-02 20:30:15"}},
		{"daily over spring-forward", Schedule{Kind: ScheduleDaily, Daily: []string{"02:30"}}, "2026-03-07 12:00:00", []string{"2026-03-08 03:30:00", "2026-03-09 02:30:00", "2026-03-10 02:30:00"}},
		{"at", Schedule{Kind: ScheduleAt, At: at("2026-12-01 09:00:00")}, "2026-11-30 00:00:00", []string{"2026-12-01 09:00:00"}},
		{"at past", Schedule{Kind: ScheduleAt, At: at("2026-12-01 09:00:00")}, "2026-12-02 00:00:00", nil},
		{"manual", Schedule{}, "2026-12-02 00:00:00", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.s.NextN(at(tt.from), 3, ny)
			if len(got) != len(tt.wants) {
				t.Fatalf("NextN = %v, want %v", got, tt.wants)
			}
			for i, w := range tt.wants {
				if !got[i].Equal(at(w)) {
					t.Errorf("fire %d = %v, want %v", i, got[i], at(w))
				}
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	if got := (Schedule{Kind: ScheduleDaily, Daily: []string{"08:00", "20:30"}, RandomDelay: 30 * time.Second}).Describe(); got != "daily at 08:00, 20:30 (+ up to 30s random delay)" {
		t.Errorf("Describe = %q", got)
	}
}
