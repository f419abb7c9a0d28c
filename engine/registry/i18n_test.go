package registry_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/i18n"
	"github.com/heraldpush/herald/engine/i18n/i18ntest"
	"github.com/heraldpush/herald/engine/registry"
)

// Every problem the registry reports about its input reads in Chinese,
// and every registry text is provoked.
func TestEveryRegistryProblemReadsInChinese(t *testing.T) {
	r := newRegistry(t)
	ctx := context.Background()
	token := map[string]string{"token": "abcdef"}
	if _, err := r.Add(ctx, "dingtalk", "kept", token); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Add(ctx, "dingtalk", "other", token); err != nil {
		t.Fatal(err)
	}
	_, errEmpty := r.Add(ctx, "dingtalk", " ", token)
	_, errLong := r.Add(ctx, "dingtalk", strings.Repeat("x", 65), token)
	_, errLines := r.Add(ctx, "dingtalk", "a\nb", token)
	_, errTaken := r.Add(ctx, "dingtalk", "kept", token)
	_, errKind := r.Add(ctx, "pigeon", "x", token)
	_, errMissing := r.Get(ctx, "missing")
	_, errQD := r.Import(ctx, "dingtalk", "x", "abcdef", map[string]string{"token": "abcdef"})
	errRename := r.Rename(ctx, "other", "kept")

	seen := map[string]bool{}
	for i, err := range []error{errEmpty, errLong, errLines, errTaken, errKind, errMissing, errQD, errRename} {
		if !errors.Is(err, registry.ErrBadInput) {
			t.Errorf("error %d = %v, not bad input", i, err)
			continue
		}
		i18ntest.Check(t, err)
		txt, _ := i18n.TextOf(err)
		for _, k := range i18ntest.Keys(txt) {
			seen[k] = true
		}
	}
	for _, key := range i18n.Keys(i18n.English) {
		if strings.HasPrefix(key, "registry.") && !seen[key] {
			t.Errorf("%s is never provoked", key)
		}
	}
	if got := i18n.Localize(i18n.Chinese, errEmpty); got != "名称：必填" {
		t.Errorf("empty name reads %q in Chinese", got)
	}
}
