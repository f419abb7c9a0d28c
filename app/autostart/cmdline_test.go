package autostart

import "testing"

func TestWindowsCommandLine(t *testing.T) {
	tests := []struct {
		name string
		e    Entry
		want string
	}{
		{"plain", Entry{Exec: `C:\Herald\herald.exe`, Args: []string{"--minimized"}},
			`"C:\Herald\herald.exe" --minimized`},
		{"spaces", Entry{Exec: `C:\Program Files\Herald\Herald.exe`, Args: []string{"--minimized", "--data-dir", `D:\my data`}},
			`"C:\Program Files\Herald\Herald.exe" --minimized --data-dir "D:\my data"`},
		{"trailing backslash in quotes", Entry{Exec: `C:\h.exe`, Args: []string{`D:\my data\`}},
			`"C:\h.exe" "D:\my data\\"`},
		{"backslashes alone stay", Entry{Exec: `C:\h.exe`, Args: []string{`D:\data\`}},
			`"C:\h.exe" D:\data\`},
		{"quote", Entry{Exec: `C:\h.exe`, Args: []string{`say "hi"`}},
			`"C:\h.exe" "say \"hi\""`},
		{"backslash before quote", Entry{Exec: `C:\h.exe`, Args: []string{`a\"b`}},
			`"C:\h.exe" a\\\"b`},
		{"empty", Entry{Exec: `C:\h.exe`, Args: []string{""}},
			`"C:\h.exe" ""`},
		{"unix quoting is not used", Entry{Exec: `C:\h.exe`, Args: []string{`it's`}},
			`"C:\h.exe" it's`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := windowsCommandLine(tt.e)
			if err != nil || got != tt.want {
				t.Fatalf("windowsCommandLine(%+v) = %s, %v; want %s", tt.e, got, err, tt.want)
			}
			if p := windowsProgram(got); p != tt.e.Exec {
				t.Fatalf("windowsProgram(%s) = %q, want %q", got, p, tt.e.Exec)
			}
		})
	}
	for _, bad := range []string{"", `C:\a"b.exe`} {
		if got, err := windowsCommandLine(Entry{Exec: bad}); err == nil {
			t.Errorf("windowsCommandLine(Exec %q) = %s, want an error", bad, got)
		}
	}
}

func TestWindowsProgram(t *testing.T) {
	tests := []struct{ cmdline, want string }{
		{`"C:\Program Files\Herald\Herald.exe" --minimized`, `C:\Program Files\Herald\Herald.exe`},
		{`C:\Herald\herald.exe --minimized`, `C:\Herald\herald.exe`},
		{`C:\Herald\herald.exe`, `C:\Herald\herald.exe`},
		{`"C:\unterminated`, `C:\unterminated`},
		{``, ``},
	}
	for _, tt := range tests {
		if got := windowsProgram(tt.cmdline); got != tt.want {
			t.Errorf("windowsProgram(%s) = %q, want %q", tt.cmdline, got, tt.want)
		}
	}
}
