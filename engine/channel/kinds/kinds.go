// Package kinds lists every push service Herald supports.
package kinds

import (
	"sort"
	"strings"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/apprise"
	"github.com/heraldpush/herald/engine/channel/bark"
	"github.com/heraldpush/herald/engine/channel/desktop"
	"github.com/heraldpush/herald/engine/channel/dingtalk"
	"github.com/heraldpush/herald/engine/channel/discord"
	"github.com/heraldpush/herald/engine/channel/email"
	"github.com/heraldpush/herald/engine/channel/feishu"
	"github.com/heraldpush/herald/engine/channel/googlechat"
	"github.com/heraldpush/herald/engine/channel/gotify"
	"github.com/heraldpush/herald/engine/channel/homeassistant"
	"github.com/heraldpush/herald/engine/channel/mailgun"
	"github.com/heraldpush/herald/engine/channel/matrix"
	"github.com/heraldpush/herald/engine/channel/mattermost"
	"github.com/heraldpush/herald/engine/channel/ntfy"
	"github.com/heraldpush/herald/engine/channel/onebot"
	"github.com/heraldpush/herald/engine/channel/pushbullet"
	"github.com/heraldpush/herald/engine/channel/pushdeer"
	"github.com/heraldpush/herald/engine/channel/pushme"
	"github.com/heraldpush/herald/engine/channel/pushover"
	"github.com/heraldpush/herald/engine/channel/pushplus"
	"github.com/heraldpush/herald/engine/channel/qmsg"
	"github.com/heraldpush/herald/engine/channel/rocketchat"
	"github.com/heraldpush/herald/engine/channel/serverchan"
	"github.com/heraldpush/herald/engine/channel/signal"
	"github.com/heraldpush/herald/engine/channel/slack"
	"github.com/heraldpush/herald/engine/channel/synologychat"
	"github.com/heraldpush/herald/engine/channel/teams"
	"github.com/heraldpush/herald/engine/channel/telegram"
	"github.com/heraldpush/herald/engine/channel/webhook"
	"github.com/heraldpush/herald/engine/channel/wecomapp"
	"github.com/heraldpush/herald/engine/channel/wecomwebhook"
	"github.com/heraldpush/herald/engine/channel/wxpusher"
)

// All returns the supported kinds in display order.
func All() []*channel.Kind {
	return all
}

// The order is the seeds' (QD's list of push methods), then the rest.
var all = []*channel.Kind{
	bark.Kind,
	serverchan.Kind,
	wxpusher.Kind,
	email.Kind,
	mailgun.Kind,
	wecomapp.Kind,
	telegram.Kind,
	dingtalk.Kind,
	wecomwebhook.Kind,
	webhook.Kind,
	feishu.Kind,
	pushplus.Kind,
	ntfy.Kind,
	gotify.Kind,
	onebot.Kind,
	synologychat.Kind,
	pushdeer.Kind,
	pushme.Kind,
	qmsg.Kind,
	pushover.Kind,
	pushbullet.Kind,
	signal.Kind,
	homeassistant.Kind,
	matrix.Kind,
	apprise.Kind,
	teams.Kind,
	googlechat.Kind,
	discord.Kind,
	slack.Kind,
	mattermost.Kind,
	rocketchat.Kind,
	desktop.Kind,
}

// Get finds a kind by id, case-insensitively.
func Get(id string) (*channel.Kind, bool) {
	for _, k := range all {
		if strings.EqualFold(k.ID, strings.TrimSpace(id)) {
			return k, true
		}
	}
	return nil, false
}

// IDs lists the kind ids, sorted.
func IDs() []string {
	ids := make([]string, len(all))
	for i, k := range all {
		ids[i] = k.ID
	}
	sort.Strings(ids)
	return ids
}
