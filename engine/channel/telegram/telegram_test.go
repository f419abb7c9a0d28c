package telegram_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/channeltest"
	"github.com/heraldpush/herald/engine/channel/telegram"
	"github.com/heraldpush/herald/engine/channel/telegram/telegramtest"
	"github.com/heraldpush/herald/engine/message"
)

// open builds a channel pointed at srv with extra settings on top.
func open(t *testing.T, srv *telegramtest.Server, extra map[string]string) channel.Channel {
	t.Helper()
	raw := srv.Config()
	for k, v := range extra {
		raw[k] = v
	}
	return channeltest.Open(t, telegram.Kind, raw, channel.Deps{})
}

func units(s string) int { return len(utf16.Encode([]rune(s))) }

func TestKindSchema(t *testing.T) {
	channeltest.CheckSchema(t, telegram.Kind, []string{"token", "chat_id", "host", "proxy", "pic_url", "thread_id"}, 5, []string{"token", "proxy"})
}

func TestParse(t *testing.T) {
	const tok = telegramtest.Token
	channeltest.RunParseCases(t, telegram.Kind, []channeltest.ParseCase{
		{
			Name: "QD aliases, any case",
			Raw: map[string]string{"tg_token": tok, "TG_USERID": "222222222", "Tg_Host": "tg.example.com",
				"proxy_url": "socks5://u:p@127.0.0.1:1080", "push_pic_url": "https://example.com/a.png", "MESSAGE_THREAD_ID": "42"},
			Want: channel.Config{"token": tok, "chat_id": "222222222", "host": "tg.example.com",
				"proxy": "socks5://u:p@127.0.0.1:1080", "pic_url": "https://example.com/a.png", "thread_id": "42"},
		},
		{
			Name: "api alias for host, defaults",
			Raw:  map[string]string{"token": tok, "chat_id": "@herald_news", "API": "http://10.0.0.2:8081/"},
			Want: channel.Config{"token": tok, "chat_id": "@herald_news", "host": "http://10.0.0.2:8081/"},
		},
		{
			Name: "default host",
			Raw:  map[string]string{"token": tok, "chat_id": "-1001234567890"},
			Want: channel.Config{"token": tok, "chat_id": "-1001234567890", "host": "api.telegram.org"},
		},
		{
			Name:    "required",
			Raw:     map[string]string{},
			WantErr: "telegram: token: required; telegram: chat_id: required",
		},
		{
			Name:    "token with bot prefix",
			Raw:     map[string]string{"token": "bot" + tok, "chat_id": "1"},
			WantErr: `telegram: token: must not start with "bot": give only the token, like "123456:ABC…"`,
		},
		{
			Name:    "token shape",
			Raw:     map[string]string{"token": "123456:secretpart", "chat_id": "1"},
			WantErr: `telegram: token: must look like "123456:ABC…": the bot id (digits), a colon and the key (letters, digits, - and _) from @BotFather`,
		},
		{
			Name:    "chat id",
			Raw:     map[string]string{"token": tok, "chat_id": "my group"},
			WantErr: "telegram: chat_id: must be a numeric chat id like 222222222 (groups and channels: -100…) or a public channel's @username",
		},
		{
			Name:    "host with token path",
			Raw:     map[string]string{"token": tok, "chat_id": "1", "host": "https://tg.example.com/bot" + tok + "/sendMessage"},
			WantErr: "telegram: host: must be only the host like tg.example.com, not a full /bot… URL (the token goes in the token field)",
		},
		{
			Name:    "host scheme",
			Raw:     map[string]string{"token": tok, "chat_id": "1", "host": "ftp://tg.example.com"},
			WantErr: "telegram: host: must be a host like tg.example.com or a URL like https://tg.example.com: must start with http:// or https://",
		},
		{
			Name:    "host query",
			Raw:     map[string]string{"token": tok, "chat_id": "1", "host": "tg.example.com?x=1"},
			WantErr: "telegram: host: must be a host like tg.example.com, without ?… or #…",
		},
		{
			Name:    "picture URL",
			Raw:     map[string]string{"token": tok, "chat_id": "1", "pic_url": "example.com/a.png"},
			WantErr: "telegram: pic_url: must start with http:// or https://",
		},
		{
			Name:    "thread id",
			Raw:     map[string]string{"token": tok, "chat_id": "1", "thread_id": "0"},
			WantErr: "telegram: thread_id: must be a positive topic id like 42",
		},
		{
			Name:    "thread id not a number",
			Raw:     map[string]string{"token": tok, "chat_id": "1", "thread_id": "general"},
			WantErr: `telegram: thread_id: must be a whole number, got "general"`,
		},
		{
			Name:    "proxy scheme",
			Raw:     map[string]string{"token": tok, "chat_id": "1", "proxy": "ftp://127.0.0.1:21"},
			WantErr: `telegram: proxy: scheme must be http, https, socks5 or socks5h, got "ftp"`,
		},
		{
			Name:    "unknown field",
			Raw:     map[string]string{"token": tok, "chat_id": "1", "parse_mode": "HTML"},
			WantErr: "telegram: parse_mode: unknown field (known: token, chat_id, host, proxy, pic_url, thread_id)",
		},
	}, "secretpart")
}

func TestParseQD(t *testing.T) {
	const tok = telegramtest.Token
	channeltest.RunQDCases(t, telegram.Kind, []channeltest.QDCase{
		{
			In: tok + ";222222222;tg.example.com;http://user:pw@proxy:3128;https://example.com/p.png",
			Want: map[string]string{"token": tok, "chat_id": "222222222", "host": "tg.example.com",
				"proxy": "http://user:pw@proxy:3128", "pic_url": "https://example.com/p.png"},
		},
		{In: tok + ";222222222;;;", Want: map[string]string{"token": tok, "chat_id": "222222222"}},
		{In: tok + ";-100123;;;https://example.com/p.png", Want: map[string]string{"token": tok, "chat_id": "-100123", "pic_url": "https://example.com/p.png"}},
		{In: tok, WantErr: "telegram: chat_id: missing from the QD string (expected token;chat_id;host;proxy;pic_url)"},
		{In: tok + ";1;h;;p;7", WantErr: "telegram: qd: has 6 values but QD's telegram string has at most 5 (token;chat_id;host;proxy;pic_url)"},
	})
	// Empty positions keep the defaults once parsed.
	raw, _ := telegram.Kind.ParseQD(tok + ";222222222;;;")
	c, err := telegram.Kind.Parse(raw)
	if err != nil || c.String("host") != telegram.DefaultHost {
		t.Errorf("parsed QD = %v, %v; want default host", c, err)
	}
}

func TestSendMessage(t *testing.T) {
	srv := telegramtest.NewServer(t)
	ch := open(t, srv, nil)
	m := message.Message{Title: "Disk <full> & hot", Body: "usage > 90% && rising <b>not bold</b>\n&amp; stays literal"}
	if err := ch.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	channeltest.NoViolations(t, srv)
	acc := srv.Accepted()
	if len(acc) != 1 {
		t.Fatalf("accepted %d messages, want 1", len(acc))
	}
	a := acc[0]
	wantHTML := "<b>Disk &lt;full&gt; &amp; hot</b>\n\nusage &gt; 90% &amp;&amp; rising &lt;b&gt;not bold&lt;/b&gt;\n&amp;amp; stays literal"
	wantRaw := map[string]any{
		"chat_id":              json.Number(telegramtest.ChatID),
		"text":                 wantHTML,
		"parse_mode":           "HTML",
		"link_preview_options": map[string]any{"is_disabled": true},
	}
	if !reflect.DeepEqual(a.Raw, wantRaw) {
		t.Errorf("request = %#v\nwant      %#v", a.Raw, wantRaw)
	}
	if a.Method != "sendMessage" || a.Text != m.Text() || a.Title != "" {
		t.Errorf("accepted %+v, want text %q", a, m.Text())
	}
	if want := []telegramtest.Entity{{Type: "bold", Text: m.Title}}; !reflect.DeepEqual(a.Entities, want) {
		t.Errorf("entities = %+v, want %+v", a.Entities, want)
	}
}

func TestSendTargets(t *testing.T) {
	t.Run("thread", func(t *testing.T) {
		srv := telegramtest.NewServer(t)
		if err := open(t, srv, map[string]string{"thread_id": "42"}).Send(context.Background(), message.Message{Body: "x"}); err != nil {
			t.Fatal(err)
		}
		channeltest.NoViolations(t, srv)
		if a := srv.Accepted(); len(a) != 1 || a[0].ThreadID != 42 || a[0].Raw["message_thread_id"] != json.Number("42") {
			t.Errorf("accepted %+v, want message_thread_id 42", a)
		}
	})
	t.Run("unknown thread", func(t *testing.T) {
		srv := telegramtest.NewServer(t)
		err := open(t, srv, map[string]string{"thread_id": "43"}).Send(context.Background(), message.Message{Body: "x"})
		assertError(t, err, false, "400", "Bad Request: message thread not found", 0)
	})
	t.Run("channel username is sent as a string", func(t *testing.T) {
		srv := telegramtest.NewServer(t)
		err := open(t, srv, map[string]string{"chat_id": telegramtest.ChannelUsername}).Send(context.Background(), message.Message{Body: "x"})
		if err != nil {
			t.Fatal(err)
		}
		channeltest.NoViolations(t, srv)
		if a := srv.Accepted(); len(a) != 1 || a[0].Raw["chat_id"] != telegramtest.ChannelUsername {
			t.Errorf("accepted %+v, want chat_id %q as a string", a, telegramtest.ChannelUsername)
		}
	})
	t.Run("unknown channel", func(t *testing.T) {
		srv := telegramtest.NewServer(t)
		err := open(t, srv, map[string]string{"chat_id": "@someone_else"}).Send(context.Background(), message.Message{Body: "x"})
		assertError(t, err, false, "400", "Bad Request: chat not found — check chat_id", 0)
		channeltest.NoViolations(t, srv)
	})
}

func TestMarkdown(t *testing.T) {
	srv := telegramtest.NewServer(t)
	ch := open(t, srv, nil)
	body := "# Backup\nRun **failed** in `tar`, see [log](https://ci.example.com/run?id=1&x=2).\n```sh\nif [ $a < 3 ]; then echo \"&\"; fi\n```\n- keep *this* and snake_case_name"
	if err := ch.Send(context.Background(), message.Message{Title: "T", Body: body, Markdown: true}); err != nil {
		t.Fatal(err)
	}
	channeltest.NoViolations(t, srv)
	a := srv.Accepted()[0]
	wantText := "T\n\nBackup\nRun failed in tar, see log.\nif [ $a < 3 ]; then echo \"&\"; fi\n- keep *this* and snake_case_name"
	if a.Text != wantText {
		t.Errorf("text = %q\nwant   %q", a.Text, wantText)
	}
	want := []telegramtest.Entity{
		{Type: "bold", Text: "T"},
		{Type: "bold", Text: "Backup"},
		{Type: "bold", Text: "failed"},
		{Type: "code", Text: "tar"},
		{Type: "text_link", Text: "log", URL: "https://ci.example.com/run?id=1&x=2"},
		{Type: "pre", Text: "if [ $a < 3 ]; then echo \"&\"; fi", Language: "sh"},
	}
	if !reflect.DeepEqual(a.Entities, want) {
		t.Errorf("entities = %+v\nwant       %+v", a.Entities, want)
	}

	// Without Markdown the same characters are literal text.
	if err := ch.Send(context.Background(), message.Message{Body: "**x** `y`"}); err != nil {
		t.Fatal(err)
	}
	if a := srv.Accepted()[1]; a.Text != "**x** `y`" || len(a.Entities) != 0 {
		t.Errorf("plain body became %q %+v", a.Text, a.Entities)
	}
}

func TestSplit(t *testing.T) {
	lines := make([]string, 50)
	for i := range lines {
		lines[i] = strings.Repeat(string(rune('a'+i%26)), 99)
	}
	tests := []struct {
		name  string
		m     message.Message
		sizes []int // UTF-16 units of each delivered text
		texts []string
	}{
		{name: "exactly the limit", m: message.Message{Title: "T", Body: strings.Repeat("a", telegram.MaxText-3)}, sizes: []int{4096}},
		{name: "one over", m: message.Message{Title: "T", Body: strings.Repeat("a", telegram.MaxText-2)}, sizes: []int{4096, 1}},
		{name: "astral characters count two", m: message.Message{Title: "T", Body: strings.Repeat("😀", 2047)}, sizes: []int{4095, 2}},
		{
			name:  "cut after a line break",
			m:     message.Message{Title: "T", Body: strings.Join(lines, "\n")},
			texts: []string{"T\n\n" + strings.Join(lines[:40], "\n"), strings.Join(lines[40:], "\n")},
		},
		{
			name:  "markdown code block split stays valid",
			m:     message.Message{Body: "```\n" + strings.Repeat("<&>", 2000) + "\n```", Markdown: true},
			texts: []string{strings.Repeat("<&>", 1365) + "<", "&>" + strings.Repeat("<&>", 634)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := telegramtest.NewServer(t)
			if err := open(t, srv, nil).Send(context.Background(), tt.m); err != nil {
				t.Fatal(err)
			}
			channeltest.NoViolations(t, srv)
			acc := srv.Accepted()
			var sizes []int
			var texts []string
			for i, a := range acc {
				sizes = append(sizes, units(a.Text))
				texts = append(texts, a.Text)
				hasBold := len(a.Entities) > 0 && a.Entities[0].Type == "bold"
				if hasBold != (i == 0 && tt.m.Title != "") {
					t.Errorf("message %d: title bold = %v, want only in the first", i, hasBold)
				}
			}
			if tt.sizes != nil && !reflect.DeepEqual(sizes, tt.sizes) {
				t.Errorf("sizes = %v, want %v", sizes, tt.sizes)
			}
			if tt.texts != nil && !reflect.DeepEqual(texts, tt.texts) {
				t.Errorf("texts differ: got %d parts of sizes %v", len(texts), sizes)
			}
			strip := strings.NewReplacer("\n", "", "```", "")
			if strip.Replace(strings.Join(texts, "")) != strip.Replace(tt.m.Text()) {
				t.Errorf("content lost in split")
			}
		})
	}
}

func TestHugeBodyIsCut(t *testing.T) {
	srv := telegramtest.NewServer(t)
	body := "HEAD" + strings.Repeat("x", 50000) + "TAIL"
	if err := open(t, srv, nil).Send(context.Background(), message.Message{Title: "T", Body: body}); err != nil {
		t.Fatal(err)
	}
	channeltest.NoViolations(t, srv)
	acc := srv.Accepted()
	var all strings.Builder
	total := 0
	for _, a := range acc {
		all.WriteString(a.Text)
		total += units(a.Text)
	}
	if len(acc) != 4 || total > telegram.MaxBody+3 {
		t.Errorf("sent %d messages, %d units; want 4 messages within MaxBody", len(acc), total)
	}
	s := all.String()
	if !strings.HasPrefix(s, "T\n\nHEAD") || !strings.HasSuffix(s, "TAIL") || !strings.Contains(s, "chars cut]") {
		t.Errorf("cut body lost its head, tail or marker")
	}
}

func TestPhoto(t *testing.T) {
	long := strings.Repeat("b", 2000)
	tests := []struct {
		name    string
		cfgPic  string
		m       message.Message
		methods []string
		photo   string
		texts   []string
	}{
		{
			name: "caption holds the whole message", cfgPic: "https://example.com/cfg.png",
			m:       message.Message{Title: "T<1>", Body: "body & more"},
			methods: []string{"sendPhoto"}, photo: "https://example.com/cfg.png", texts: []string{"T<1>\n\nbody & more"},
		},
		{
			name: "message picture overrides the channel's", cfgPic: "https://example.com/cfg.png",
			m:       message.Message{Title: "T", PictureURL: "https://example.com/own.jpg"},
			methods: []string{"sendPhoto"}, photo: "https://example.com/own.jpg", texts: []string{"T"},
		},
		{
			name:    "caption at exactly 1024",
			m:       message.Message{Title: "T", Body: strings.Repeat("c", telegram.MaxCaption-3), PictureURL: "https://example.com/p.png"},
			methods: []string{"sendPhoto"}, photo: "https://example.com/p.png", texts: []string{"T\n\n" + strings.Repeat("c", 1021)},
		},
		{
			name:    "long text follows a title caption",
			m:       message.Message{Title: "T", Body: long, PictureURL: "https://example.com/p.png"},
			methods: []string{"sendPhoto", "sendMessage"}, photo: "https://example.com/p.png", texts: []string{"T", long},
		},
		{
			name:    "picture Telegram cannot fetch falls back to text",
			m:       message.Message{Title: "T", Body: "b", PictureURL: "https://pics.invalid/p.png"},
			methods: []string{"sendMessage"}, texts: []string{"T\n\nb"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := telegramtest.NewServer(t)
			extra := map[string]string{}
			if tt.cfgPic != "" {
				extra["pic_url"] = tt.cfgPic
			}
			if err := open(t, srv, extra).Send(context.Background(), tt.m); err != nil {
				t.Fatal(err)
			}
			channeltest.NoViolations(t, srv)
			var methods, texts []string
			for _, a := range srv.Accepted() {
				methods = append(methods, a.Method)
				texts = append(texts, a.Text)
				if a.Method == "sendPhoto" {
					if a.Photo != tt.photo || a.Raw["parse_mode"] != "HTML" {
						t.Errorf("photo request %v, want photo %s with parse_mode HTML", a.Raw, tt.photo)
					}
					if len(a.Entities) == 0 || a.Entities[0].Type != "bold" {
						t.Errorf("caption title not bold: %+v", a.Entities)
					}
				}
			}
			if !reflect.DeepEqual(methods, tt.methods) || !reflect.DeepEqual(texts, tt.texts) {
				t.Errorf("sent %v %q, want %v %q", methods, texts, tt.methods, tt.texts)
			}
		})
	}
}

// assertError checks an error's class and content.
func assertError(t *testing.T, err error, transient bool, code, msg string, retry time.Duration) {
	t.Helper()
	e := channeltest.AsError(t, err)
	if e.Transient != transient || channel.IsTransient(err) != transient {
		t.Errorf("transient = %v, want %v (%v)", e.Transient, transient, err)
	}
	if e.Code != code {
		t.Errorf("code = %q, want %q (%v)", e.Code, code, err)
	}
	if !strings.Contains(e.Msg, msg) {
		t.Errorf("msg = %q, want it to contain %q", e.Msg, msg)
	}
	if channel.RetryAfter(err) != retry {
		t.Errorf("retry after = %v, want %v", channel.RetryAfter(err), retry)
	}
	if strings.Contains(err.Error(), telegramtest.Token) {
		t.Errorf("error text contains the token: %v", err)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name      string
		answer    telegramtest.Answer
		extra     map[string]string
		transient bool
		code      string
		status    int
		msg       string
		retry     time.Duration
	}{
		{name: "flood control", answer: telegramtest.TooManyRequests(7), transient: true, code: "429", status: 429, msg: "Too Many Requests: retry after 7", retry: 7 * time.Second},
		{name: "wrong token", extra: map[string]string{"token": "987654321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"}, code: "401", status: 401, msg: "Unauthorized — check the bot token from @BotFather"},
		{name: "chat not found", extra: map[string]string{"chat_id": "222222222"}, code: "400", status: 400, msg: "Bad Request: chat not found — check chat_id"},
		{name: "blocked", answer: telegramtest.Answer{Status: 403, Description: "Forbidden: bot was blocked by the user"}, code: "403", status: 403, msg: "Forbidden: bot was blocked by the user"},
		{name: "bad HTML", answer: telegramtest.Answer{Status: 400, Description: "Bad Request: can't parse entities: Unsupported start tag \"x\" at byte offset 3"}, code: "400", status: 400, msg: "can't parse entities"},
		{name: "not found", answer: telegramtest.Answer{Status: 404, Description: "Not Found"}, code: "404", status: 404, msg: "Not Found — check the bot token and the API host"},
		{name: "server error", answer: telegramtest.Answer{Status: 500, Description: "Internal Server Error"}, transient: true, code: "500", status: 500, msg: "Internal Server Error"},
		{name: "bad gateway page", answer: telegramtest.Answer{Status: 502, Raw: "<html><body>502 Bad Gateway</body></html>"}, transient: true, status: 502, msg: "502 Bad Gateway"},
		{
			name:   "group upgraded",
			answer: telegramtest.Answer{Status: 400, Description: "Bad Request: group chat was upgraded to a supergroup chat", MigrateToChatID: -1009876543210},
			code:   "400", status: 400, msg: "Bad Request: group chat was upgraded to a supergroup chat — the group became a supergroup: set chat_id to -1009876543210",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := telegramtest.NewServer(t)
			srv.FailNext(tt.answer)
			err := open(t, srv, tt.extra).Send(context.Background(), message.Message{Title: "T", Body: "b"})
			assertError(t, err, tt.transient, tt.code, tt.msg, tt.retry)
			var e *channel.Error
			if errors.As(err, &e) && e.Status != tt.status {
				t.Errorf("status = %d, want %d", e.Status, tt.status)
			}
			if len(srv.Accepted()) != 0 {
				t.Errorf("a refused message was recorded as accepted")
			}
			channeltest.NoViolations(t, srv)
		})
	}
}

func TestFailureMidSplit(t *testing.T) {
	srv := telegramtest.NewServer(t)
	srv.FailNext(telegramtest.Answer{}, telegramtest.TooManyRequests(3))
	err := open(t, srv, nil).Send(context.Background(), message.Message{Body: strings.Repeat("z", telegram.MaxText*2+10)})
	assertError(t, err, true, "429", "(message 2 of 3; the first 1 were delivered)", 3*time.Second)
	if n := len(srv.Accepted()); n != 1 || srv.Requests() != 2 {
		t.Errorf("accepted %d of %d requests; want 1 of 2 (stop at the failure)", n, srv.Requests())
	}
	channeltest.NoViolations(t, srv)
}

func TestErrorAnswerHidesToken(t *testing.T) {
	srv := telegramtest.NewServer(t)
	echo := "Cannot POST /bot" + telegramtest.Token + "/sendMessage or /bot" + strings.ReplaceAll(telegramtest.Token, ":", "%3A")
	srv.FailNext(telegramtest.Answer{Status: 404, Raw: echo})
	err := open(t, srv, nil).Send(context.Background(), message.Message{Body: "x"})
	if err == nil || strings.Contains(err.Error(), telegramtest.Token) || strings.Contains(err.Error(), "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1") {
		t.Fatalf("error = %v; want one without the token", err)
	}
	if !strings.Contains(err.Error(), "Cannot POST /bot<token>/sendMessage") {
		t.Errorf("error = %v; want the proxy's words with the token masked", err)
	}
}

func TestEmptyMessage(t *testing.T) {
	srv := telegramtest.NewServer(t)
	err := open(t, srv, nil).Send(context.Background(), message.Message{Body: " \n "})
	var e *channel.Error
	if !errors.As(err, &e) || e.Transient || srv.Requests() != 0 {
		t.Errorf("err = %v, requests %d; want a permanent error and no request", err, srv.Requests())
	}
}

// TestContract runs the contract every kind shares against the fake.
func TestContract(t *testing.T) {
	channeltest.RunContract(t, telegram.Kind, telegramtest.Fixture)
}

// qinglong's TG_* variables; the three proxy ones make one proxy URL.
func TestQinglongEnv(t *testing.T) {
	const token = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
	base := func(extra map[string]string) map[string]string {
		m := map[string]string{"TG_BOT_TOKEN": token, "TG_USER_ID": "1434078534"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	channeltest.RunEnvCases(t, telegram.Kind, []channeltest.EnvCase{
		{Name: "bot", Vars: base(nil), Want: channel.Config{"token": token, "chat_id": "1434078534"}},
		{Name: "api host", Vars: base(map[string]string{"TG_API_HOST": "https://tg.example.com"}), Want: channel.Config{"host": "https://tg.example.com"}},
		{Name: "proxy", Vars: base(map[string]string{"TG_PROXY_HOST": "127.0.0.1", "TG_PROXY_PORT": "7890"}), Want: channel.Config{"proxy": "http://127.0.0.1:7890"}},
		{Name: "proxy auth", Vars: base(map[string]string{"TG_PROXY_HOST": "proxy.example.com", "TG_PROXY_PORT": "3128", "TG_PROXY_AUTH": "me:p@ss"}),
			Want: channel.Config{"proxy": "http://me:p%40ss@proxy.example.com:3128"}},
		{Name: "auth in host", Vars: base(map[string]string{"TG_PROXY_HOST": "me:pw@proxy.example.com", "TG_PROXY_PORT": "3128", "TG_PROXY_AUTH": "x:y"}),
			Want: channel.Config{"proxy": "http://me:pw@proxy.example.com:3128"}},
		{Name: "ipv6", Vars: base(map[string]string{"TG_PROXY_HOST": "::1", "TG_PROXY_PORT": "3128"}), Want: channel.Config{"proxy": "http://[::1]:3128"}},
		{Name: "no port", Vars: base(map[string]string{"TG_PROXY_HOST": "127.0.0.1"}), ErrField: "TG_PROXY_PORT"},
		{Name: "auth alone", Vars: base(map[string]string{"TG_PROXY_AUTH": "me:pw"}), ErrField: "TG_PROXY_HOST"},
		{Name: "bad token", Vars: map[string]string{"TG_BOT_TOKEN": "bot" + token, "TG_USER_ID": "1"}, ErrField: "token"},
	})
}

func TestPackProxy(t *testing.T) {
	for proxy, want := range map[string]string{
		"http://127.0.0.1":         "127.0.0.1:80:",
		"http://u:p@example.com:8": "example.com:8:u:p",
		"socks5://127.0.0.1:1080":  "::",
	} {
		v := channeltest.EnvOf(telegram.Kind, channel.Config{"proxy": proxy})
		if got := v["TG_PROXY_HOST"] + ":" + v["TG_PROXY_PORT"] + ":" + v["TG_PROXY_AUTH"]; got != want {
			t.Errorf("%s: packed %q, want %q", proxy, got, want)
		}
	}
}

func TestPackAPIHost(t *testing.T) {
	for host, want := range map[string]string{"api.telegram.org": "", "tg.example.com": "https://tg.example.com", "http://1.2.3.4:8081/": "http://1.2.3.4:8081"} {
		if got := channeltest.EnvOf(telegram.Kind, channel.Config{"host": host})["TG_API_HOST"]; got != want {
			t.Errorf("host %q: TG_API_HOST = %q, want %q", host, got, want)
		}
	}
}
