package qinglong_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/qinglong"
)

func TestParse(t *testing.T) {
	cases := []struct {
		name, text string
		want       string // Name=Value@Line, space separated
		warnLines  []int
	}{
		{"export double", `export A="x y"`, "A=x y@1", nil},
		{"export single", `export A='x "$y" \n'`, `A=x "$y" \n@1`, nil},
		{"no export", "A=v", "A=v@1", nil},
		{"dotenv spaces", "A=v\nB=w\n", "A=v@1 B=w@2", nil},
		{"crlf", "A=v\r\nB=\"w\"\r\n", "A=v@1 B=w@2", nil},
		{"comments and blanks", "# head\n\n  export A=\"1\" # why\nB=2#x\n", "A=1@3 B=2#x@4", nil},
		{"escapes in double", `export A="a\"b\\c\$d\` + "`" + `e\nf"`, "A=a\"b\\c$d`e\\nf@1", nil},
		{"concatenated", `A="a"'b'c`, "A=abc@1", nil},
		{"empty", `export A=""` + "\nB=", "A=@1 B=@2", nil},
		{"multi-line quote", "A=\"l1\nl2\"\nB=x", "A=l1\nl2@1 B=x@3", nil},
		{"unclosed", "A=\"x\nB=y", "", []int{1}},
		{"bad lines kept going", "echo hi\nA=1\nexport B\nC=1 2\nD=x;rm\nE=ok;", "A=1@2 E=ok@6", []int{1, 3, 4, 5}},
		{"arrays skipped", "env_name=(\n  JD_COOKIE\n  \"a)b\"\n)\nA=1\nB=(x", "A=1@5", []int{6}},
		{"bom", "\ufeffA=1", "A=1@1", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vars, warns := qinglong.Parse(c.text)
			var got []string
			for _, v := range vars {
				got = append(got, fmt.Sprintf("%s=%s@%d", v.Name, v.Value, v.Line))
			}
			if strings.Join(got, " ") != c.want {
				t.Errorf("vars = %q, want %q", strings.Join(got, " "), c.want)
			}
			var lines []int
			for _, w := range warns {
				var le *qinglong.LineError
				if !errors.As(w, &le) {
					t.Fatalf("warning %v is not a *LineError", w)
				}
				lines = append(lines, le.Line)
			}
			if fmt.Sprint(lines) != fmt.Sprint(c.warnLines) && !(len(lines) == 0 && len(c.warnLines) == 0) {
				t.Errorf("warnings on lines %v, want %v (%v)", lines, c.warnLines, warns)
			}
		})
	}
}

// Whatever Format writes, Parse reads back as is.
func TestFormatRoundTrip(t *testing.T) {
	vars := []qinglong.Var{
		{Name: "A", Value: `plain`}, {Name: "B", Value: `with "quotes" and 'single'`},
		{Name: "C", Value: "$HOME `cmd` \\ back\\nslash # hash"}, {Name: "D", Value: "two\nlines"},
		{Name: "E", Value: "中文"},
	}
	got, warns := qinglong.Parse(qinglong.Format(vars))
	for i := range got {
		got[i].Line = 0
	}
	if len(warns) > 0 || !reflect.DeepEqual(got, vars) {
		t.Errorf("round trip = %+v, %v; want %+v", got, warns, vars)
	}
}

// packedKind has a field read from its Env and two packed into one
// variable ("host:port").
var packedKind = &channel.Kind{ID: "packed", Fields: []channel.Field{
	{Key: "token", Env: "PK_TOKEN", Type: channel.TypeString, Required: true, Secret: true},
	{Key: "user", Env: "PK_USER", Type: channel.TypeString},
	{Key: "host", Type: channel.TypeString, Required: true},
	{Key: "port", Type: channel.TypeInt},
	{Key: "level", Type: channel.TypeString, Default: "info"},
	{Key: "own", Type: channel.TypeString},
}, PackedEnv: &channel.PackedEnv{
	Vars: []string{"PK_SERVER"},
	Unpack: func(vars, raw map[string]string) error {
		host, port, ok := strings.Cut(vars["PK_SERVER"], ":")
		if !ok {
			return &channel.FieldError{Field: "PK_SERVER", Err: fmt.Errorf("want host:port")}
		}
		raw["host"], raw["port"] = host, port
		return nil
	},
	Pack: func(c channel.Config, vars map[string]string) {
		if c["host"] != "" || c["port"] != "" {
			vars["PK_SERVER"] = c["host"] + ":" + c["port"]
		}
	},
}}

var simpleKind = &channel.Kind{ID: "simple", Fields: []channel.Field{
	{Key: "key", Env: "SIMPLE_KEY", Type: channel.TypeString, Required: true, Secret: true},
}}

func TestMakePlan(t *testing.T) {
	kinds := []*channel.Kind{simpleKind, packedKind}
	cases := []struct {
		name, text, prefix string
		want               []string // name: config or error
		unknown            string
	}{
		{name: "empty sample", text: "export PK_TOKEN=\"\"\nexport SIMPLE_KEY=''\nexport OTHER=\"\""},
		{name: "both kinds, unknown listed", text: "export PK_server=\"h:25\"\nPK_TOKEN=t\nSIMPLE_KEY=k\nFOO=1",
			want:    []string{"simple: map[key:k]", "packed: map[host:h level:info port:25 token:t]"},
			unknown: "FOO"},
		{name: "prefix", text: "SIMPLE_KEY=k", prefix: "ql", want: []string{"ql-simple: map[key:k]"}},
		{name: "last wins", text: "SIMPLE_KEY=a\nSIMPLE_KEY=b", want: []string{"simple: map[key:b]"}},
		{name: "missing required by variable", text: "PK_USER=u",
			want: []string{"packed: error PK_TOKEN: required; PK_SERVER: required"}},
		{name: "packed error by variable", text: "PK_TOKEN=t\nPK_SERVER=nocolon",
			want: []string{"packed: error PK_SERVER: want host:port"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vars, _ := qinglong.Parse(c.text)
			plan := qinglong.MakePlan(vars, kinds, c.prefix)
			var got []string
			for _, cand := range plan.Candidates {
				if cand.Err != nil {
					got = append(got, cand.Name+": error "+cand.Err.Error())
				} else {
					got = append(got, fmt.Sprintf("%s: %v", cand.Name, cand.Config))
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("candidates = %q, want %q", got, c.want)
			}
			var unknown []string
			for _, v := range plan.Unknown {
				unknown = append(unknown, v.Name)
			}
			if strings.Join(unknown, ",") != c.unknown {
				t.Errorf("unknown = %v, want %s", unknown, c.unknown)
			}
		})
	}
}

func TestPlanSources(t *testing.T) {
	vars, _ := qinglong.Parse("PK_TOKEN=t\nPK_SERVER=h:1")
	c := qinglong.MakePlan(vars, []*channel.Kind{packedKind}, "").Candidates[0]
	want := map[string]string{"token": "PK_TOKEN", "host": "PK_SERVER", "port": "PK_SERVER"}
	if !reflect.DeepEqual(c.From, want) {
		t.Errorf("From = %v, want %v", c.From, want)
	}
}

func TestExport(t *testing.T) {
	cfg := channel.Config{"token": "secret-t", "user": "u", "host": "h", "port": "25", "level": "info", "own": "o"}
	cases := []struct {
		withSecrets bool
		want        string
	}{
		{false, "export PK_USER=\"u\"\nexport PK_SERVER=\"h:25\"\n"},
		{true, "export PK_TOKEN=\"secret-t\"\nexport PK_USER=\"u\"\nexport PK_SERVER=\"h:25\"\n"},
	}
	for _, c := range cases {
		vars, dropped := qinglong.Export(packedKind, cfg, c.withSecrets)
		if got := qinglong.Format(vars); got != c.want {
			t.Errorf("Export(withSecrets=%v) = %q, want %q", c.withSecrets, got, c.want)
		}
		if fmt.Sprint(dropped) != "[own]" {
			t.Errorf("dropped = %v, want [own]", dropped)
		}
	}
}

// A packed variable holding a secret is left out whole without secrets.
func TestExportPackedSecret(t *testing.T) {
	k := &channel.Kind{ID: "am", Fields: []channel.Field{
		{Key: "corp", Type: channel.TypeString}, {Key: "secret", Type: channel.TypeString, Secret: true},
	}, PackedEnv: &channel.PackedEnv{Vars: []string{"AM"},
		Unpack: func(vars, raw map[string]string) error {
			raw["corp"], raw["secret"], _ = strings.Cut(vars["AM"], ",")
			return nil
		},
		Pack: func(c channel.Config, vars map[string]string) { vars["AM"] = c["corp"] + "," + c["secret"] },
	}}
	cfg := channel.Config{"corp": "c", "secret": "s3cret"}
	if vars, _ := qinglong.Export(k, cfg, false); len(vars) != 0 {
		t.Errorf("without secrets = %v, want nothing", vars)
	}
	if vars, dropped := qinglong.Export(k, cfg, true); qinglong.Format(vars) != "export AM=\"c,s3cret\"\n" || len(dropped) != 0 {
		t.Errorf("with secrets = %v, dropped %v", vars, dropped)
	}
}

// Export then import gives the same config.
func TestExportImportRoundTrip(t *testing.T) {
	cfg := channel.Config{"token": `t"$x`, "user": "u u", "host": "h", "port": "25", "level": "info"}
	vars, _ := qinglong.Export(packedKind, cfg, true)
	parsed, warns := qinglong.Parse(qinglong.Format(vars))
	plan := qinglong.MakePlan(parsed, []*channel.Kind{packedKind}, "")
	if len(warns) > 0 || len(plan.Ready()) != 1 || !reflect.DeepEqual(plan.Ready()[0].Config, cfg) {
		t.Errorf("round trip = %+v, %v; want %v", plan, warns, cfg)
	}
}
