package task

import (
	"testing"

	"github.com/heraldpush/herald/engine/i18n"
)

func TestOutcomeOfStoredRuns(t *testing.T) {
	three, zero := 3, 0
	tests := []struct {
		name   string
		run    Run
		en, zh string
	}{
		{"exit code", Run{Status: StatusFailure, ExitCode: &three, Error: "exit status 3"}, "exit code 3", "退出码 3"},
		{"success", Run{Status: StatusSuccess, ExitCode: &zero}, "exit code 0", "退出码 0"},
		{"http success", Run{Status: StatusSuccess, HTTPStatus: 204}, "HTTP 204", "HTTP 状态码 204"},
		{"timeout", Run{Status: StatusTimeout, Error: "timed out after 30s"}, "timed out after 30 s", "超时（30 秒）"},
		{"cancelled", Run{Status: StatusFailure, Error: "cancelled"}, "cancelled", "已取消"},
		{"skipped", Run{Status: StatusSkipped}, "skipped: the previous run was still going", "已跳过：上一次运行尚未结束"},
		{"signal", Run{Status: StatusFailure, Error: "killed by signal 9 (killed)"}, "killed by signal 9 (killed)", "被信号 9（killed）终止"},
		{"http problems", Run{Status: StatusFailure, HTTPStatus: 503, Error: `status 503 not in 200-299; body does not contain "ok"`},
			`status 503 not in 200-299; body does not contain "ok"`, `状态码 503 不在 200-299 之内；响应内容不包含 "ok"`},
		{"refused", Run{Status: StatusFailure, Error: "GET http://127.0.0.1:9/x: dial tcp 127.0.0.1:9: connect: connection refused"},
			"GET http://127.0.0.1:9/x: connection refused", "GET http://127.0.0.1:9/x：连接被拒绝"},
		{"missing program", Run{Status: StatusFailure, Error: `program "nope" not found in PATH`}, `program "nope" not found`, `找不到程序 "nope"`},
		{"unknown words stay", Run{Status: StatusFailure, Error: "something odd\nmore"}, "something odd\nmore", "something odd\nmore"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := Outcome(tt.run)
			if got := o.In(i18n.English); got != tt.en {
				t.Errorf("English = %q, want %q", got, tt.en)
			}
			if got := o.In(i18n.Chinese); got != tt.zh {
				t.Errorf("Chinese = %q, want %q", got, tt.zh)
			}
		})
	}
}
