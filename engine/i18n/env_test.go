package i18n

import "testing"

func TestFromEnv(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, English},
		{map[string]string{"LANG": "zh_CN.UTF-8"}, Chinese},
		{map[string]string{"LANG": "C"}, English},
		{map[string]string{"LANG": "C.UTF-8", "LANGUAGE": "zh_CN"}, English},
		{map[string]string{"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, English},
		{map[string]string{"LC_MESSAGES": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, Chinese},
		{map[string]string{"LANG": "en_US.UTF-8", "LANGUAGE": "zh_CN:en"}, Chinese},
		{map[string]string{"LANG": "zh_CN.UTF-8", "LANGUAGE": "en"}, English},
	}
	for _, tt := range tests {
		if got := FromEnv(func(k string) string { return tt.env[k] }); got != tt.want {
			t.Errorf("FromEnv(%v) = %q, want %q", tt.env, got, tt.want)
		}
	}
}
