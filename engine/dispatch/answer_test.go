package dispatch

import (
	"testing"
	"time"

	"github.com/heraldpush/herald/engine/channel/kinds"
	"github.com/heraldpush/herald/engine/i18n"
)

func TestAnswerText(t *testing.T) {
	_ = kinds.All() // the kinds declare their hints
	tests := []struct{ answer, en, zh string }{
		{"ok", "ok", "成功"},
		{answerShutdown, "cancelled at shutdown", "因退出而取消"},
		{giveUpText(24*time.Hour, answerChannelRemoved), "gave up after 1 d: channel removed", "1 天后放弃：渠道已删除"},
		{"gotify: HTTP 401 unauthorized — check the server URL", "gotify: HTTP 401 unauthorized — check the server URL", "gotify: HTTP 401 unauthorized——请检查服务器地址"},
		{"dingtalk: 310000 keywords not in content", "dingtalk: 310000 keywords not in content", "dingtalk: 310000 keywords not in content"},
	}
	for _, tt := range tests {
		a := AnswerText(tt.answer)
		if got := a.In(i18n.English); got != tt.en {
			t.Errorf("AnswerText(%q) in English = %q, want %q", tt.answer, got, tt.en)
		}
		if got := a.In(i18n.Chinese); got != tt.zh {
			t.Errorf("AnswerText(%q) in Chinese = %q, want %q", tt.answer, got, tt.zh)
		}
	}
}
