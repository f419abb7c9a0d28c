package localize_test

import (
	"os"
	"testing"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/heraldpush/herald/assets"
	"github.com/heraldpush/herald/engine/channel/kinds"
	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/task"
	"github.com/heraldpush/herald/ui/localize"
)

// The window renders engine texts as the engine does in the same
// language, from every translation file (errors.zh_Hans.json included).
func TestWindowRendersEngineTextsInChinese(t *testing.T) {
	os.Setenv("LANGUAGE", "zh_CN") // Fyne picks the language when translations are added
	if err := lang.AddTranslationsFS(assets.Translations, "translations"); err != nil {
		t.Fatal(err)
	}
	k, _ := kinds.Get("dingtalk")
	_, fieldErrs := k.Parse(map[string]string{"secret": "nope"})
	_, cronErr := task.ParseCron("61 * * * *")
	three := 3
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"field problems", localize.Error(fieldErrs), i18n.Localize(i18n.Chinese, fieldErrs)},
		{"cron", localize.Error(cronErr), "分钟字段：61 超出上限 59（允许 0–59）"},
		{"outcome", localize.Text(task.Outcome(task.Run{Status: task.StatusFailure, ExitCode: &three, Error: "exit status 3"})), "退出码 3"},
		{"duration", localize.Text(i18n.Duration(2*time.Hour + 5*time.Minute)), "2 小时 5 分钟"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: window shows %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	t.Logf("dingtalk problems in the window: %s", localize.Error(fieldErrs))
	if got := localize.Error(fieldErrs); got == fieldErrs.Error() {
		t.Errorf("field problems read in English: %q", got)
	}
}
