package ui

import "testing"

func TestUIChinese(t *testing.T) {
	for _, tc := range []struct {
		language, locale string
		want             bool
	}{
		{"zh", "en_US.UTF-8", true},
		{"en", "zh_CN.UTF-8", false},
		{"system", "zh_CN.UTF-8", true},
		{"system", "en_US.UTF-8", false},
		{"system", "de_DE.UTF-8", false},
	} {
		t.Run(tc.language+"/"+tc.locale, func(t *testing.T) {
			t.Setenv("LANGUAGE", "")
			t.Setenv("LC_ALL", "")
			t.Setenv("LC_MESSAGES", "")
			t.Setenv("LANG", tc.locale)
			if got := uiChinese(tc.language); got != tc.want {
				t.Errorf("uiChinese(%q) under LANG=%s = %v, want %v", tc.language, tc.locale, got, tc.want)
			}
		})
	}
}
