package serviceurl

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/heraldpush/herald/engine/channel"
	"github.com/heraldpush/herald/engine/channel/kinds"
	"github.com/heraldpush/herald/engine/i18n"
)

// Apprise's examples of the chat and push kinds, from each plugin's tests
// (caronc/apprise, tests/test_plugin_<name>.py) or its templates, with
// tokens shaped as the services issue them where Herald checks their form.
var appriseCases2 = []urlCase{
	// test_plugin_discord.py: "discord://{}/{}" (webhook_id, webhook_token)
	{"discord://693853386302554172/W3dE2OZz4C13_4z_uHfDOoC7BqTW288s-z1ykqI0iJnY/", "discord",
		map[string]string{"url": "https://discord.com/api/webhooks/693853386302554172/W3dE2OZz4C13_4z_uHfDOoC7BqTW288s-z1ykqI0iJnY"}},
	// test_plugin_discord.py: "discord://l2g@{}/{}"; discord.py's ?avatar_url= and ?thread=
	{"discord://l2g@693853386302554172/W3dE2OZz4C13_4z_uHfDOoC7BqTW288s-z1ykqI0iJnY/?avatar_url=https://example.com/a.png&thread=1234567890123456789&footer=no", "discord",
		map[string]string{"url": "https://discord.com/api/webhooks/693853386302554172/W3dE2OZz4C13_4z_uHfDOoC7BqTW288s-z1ykqI0iJnY",
			"username": "l2g", "avatar_url": "https://example.com/a.png", "thread_id": "1234567890123456789"}},
	// test_plugin_slack.py: "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/…"
	{"slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/?footer=no", "slack",
		map[string]string{"url": "https://hooks.slack.com/services/T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ"}},
	// test_plugin_pushover.py: "pover://{}@{}/DEVICE" and "?sound=spacealarm"
	{"pover://uQiRzpo4DXghDmr9QzzfQu27cmVRsG@azGDORePK8gMaC0QOYAMyEEuzJnyUi/DEVICE?sound=spacealarm&priority=high", "pushover",
		map[string]string{"token": "azGDORePK8gMaC0QOYAMyEEuzJnyUi", "user": "uQiRzpo4DXghDmr9QzzfQu27cmVRsG", "device": "DEVICE", "sound": "spacealarm", "priority": "1"}},
	// test_plugin_pushover.py: "pover://{}@{}?url=my-url&url_title=title"; emergency with its interval
	{"pover://uQiRzpo4DXghDmr9QzzfQu27cmVRsG@azGDORePK8gMaC0QOYAMyEEuzJnyUi?url=https://example.com&url_title=title&priority=emergency&interval=120&expire=600", "pushover",
		map[string]string{"token": "azGDORePK8gMaC0QOYAMyEEuzJnyUi", "user": "uQiRzpo4DXghDmr9QzzfQu27cmVRsG", "url": "https://example.com",
			"url_title": "title", "priority": "2", "retry": "120", "expire": "600"}},
	// matrix/base.py templates: "{schema}://{token}@{host}/{targets}"
	{"matrixs://syt_bWF0cml4_AbCdEfGhIjKlMn_0a1b2c@matrix.example.org/%23alerts:example.org?msgtype=notice", "matrix",
		map[string]string{"homeserver": "https://matrix.example.org", "access_token": "syt_bWF0cml4_AbCdEfGhIjKlMn_0a1b2c", "room": "#alerts:example.org", "msgtype": "m.notice"}},
	// test_plugin_matrix.py: "matrix://user:pass@localhost/#room1" (a bare #room is on the host)
	// test_plugin_matrix.py: "matrix://token@localhost/?mode=Matrix"
	{"matrix://syt_token@localhost:8008/#general?mode=Matrix", "matrix",
		map[string]string{"homeserver": "http://localhost:8008", "access_token": "syt_token", "room": "#general:localhost"}},
	// test_plugin_signal.py: "signal://localhost:8080/{}/" with {from}/{targets}
	{"signal://localhost:8080/+12223334444/+15556667777/", "signal",
		map[string]string{"server": "http://localhost:8080", "number": "+12223334444", "recipients": "+15556667777"}},
	// signal_api.py templates: "{schema}://{user}:{password}@{host}:{port}/{from_phone}/{targets}"
	{"signals://user:pass@signal.example.com/+12223334444/+15556667777/group.QUFFQ0F3UUZCZ2NJQ1FvTERBME9EeEFSRWhNVUZSWVhHQmthR3h3ZEhoOD0=", "signal",
		map[string]string{"server": "https://signal.example.com", "number": "+12223334444", "recipients": "+15556667777,group.QUFFQ0F3UUZCZ2NJQ1FvTERBME9EeEFSRWhNVUZSWVhHQmthR3h3ZEhoOD0=", "username": "user", "password": "pass"}},
	// test_plugin_workflows.py: "workflows://host:443/workflow1b/signature/"
	{"workflows://host:443/workflow1b/signature/", "teams",
		map[string]string{"url": "https://host:443/workflows/workflow1b/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=signature"}},
	// test_plugin_workflows.py: "…/?api-version=2024-01-01"; workflows.py's ?pa= (Power Automate)
	{"workflows://prod-00.westus.logic.azure.com/643e69f83c8944438d68119179a10a64/KODuebWbDGYFr0z0eu-6Rj8aUKz7108W3wrNJZxFE5A/?pa=yes&api-version=2024-01-01", "teams",
		map[string]string{"url": "https://prod-00.westus.logic.azure.com/powerautomate/automations/direct/workflows/643e69f83c8944438d68119179a10a64/triggers/manual/paths/invoke?api-version=2024-01-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=KODuebWbDGYFr0z0eu-6Rj8aUKz7108W3wrNJZxFE5A"}},
	// test_plugin_google_chat.py: "gchat://workspace/key/token"
	{"gchat://workspace/key/token", "google_chat",
		map[string]string{"url": "https://chat.googleapis.com/v1/spaces/workspace/messages?key=key&token=token"}},
	// test_plugin_google_chat.py: "gchat://?workspace=ws&key=mykey&token=mytoken&thread=abc123"
	{"gchat://?workspace=ws&key=mykey&token=mytoken&thread=abc123", "google_chat",
		map[string]string{"url": "https://chat.googleapis.com/v1/spaces/ws/messages?key=mykey&token=mytoken", "thread_key": "abc123"}},
	// test_plugin_homeassistant.py: "hassio://localhost/long.lived.token" (port 8123 by default)
	{"hassio://localhost/long.lived.token", "homeassistant",
		map[string]string{"server": "http://localhost:8123", "token": "long.lived.token"}},
	// test_plugin_homeassistant.py: "hassio://localhost/service/?token=long.lived.token&prefix=/ha"
	{"hassios://ha.example.com/notify.mobile_app_phone/?token=long.lived.token&prefix=/ha", "homeassistant",
		map[string]string{"server": "https://ha.example.com/ha", "token": "long.lived.token", "service": "mobile_app_phone"}},
	// home_assistant.py: the services around the token
	{"hassio://192.168.1.10:8123/long.lived.token/mobile_app_phone", "homeassistant",
		map[string]string{"server": "http://192.168.1.10:8123", "token": "long.lived.token", "service": "mobile_app_phone"}},
	// test_plugin_mattermost.py: "mmost://user@localhost/3ccdd113474722377935511fc85d3dd4?channel=test"
	{"mmost://user@localhost/3ccdd113474722377935511fc85d3dd4?channel=test", "mattermost",
		map[string]string{"url": "http://localhost/hooks/3ccdd113474722377935511fc85d3dd4", "channel": "test", "username": "user"}},
	// mattermost.py templates: "{schema}://{host}:{port}/{fullpath}/{token}"
	{"mmosts://chat.example.com:8443/mm/3ccdd113474722377935511fc85d3dd4?icon_url=https://example.com/i.png", "mattermost",
		map[string]string{"url": "https://chat.example.com:8443/mm/hooks/3ccdd113474722377935511fc85d3dd4", "icon_url": "https://example.com/i.png"}},
	// test_plugin_rocket_chat.py: "rockets://web/token@localhost/"
	{"rockets://web/token@localhost/", "rocketchat",
		map[string]string{"url": "https://localhost/hooks/web/token"}},
	// rocketchat.py templates: "{schema}://{webhook}@{host}:{port}/{targets}"
	{"rocket://8eGdRzc9r4YYNyvge%2F2XYQcX9NBwJBKfQnphpebPcnXZcPEi32Nt@chat.example.com:3000/#alerts", "rocketchat",
		map[string]string{"url": "http://chat.example.com:3000/hooks/8eGdRzc9r4YYNyvge/2XYQcX9NBwJBKfQnphpebPcnXZcPEi32Nt", "channel": "#alerts"}},
	// test_plugin_pushbullet.py: "pbul://%s/device/"
	{"pbul://o.gn5kj6nfhv736I7jC3cj3QLRiyhgl98b/device/", "pushbullet",
		map[string]string{"token": "o.gn5kj6nfhv736I7jC3cj3QLRiyhgl98b", "device_iden": "device"}},
	// test_plugin_pushbullet.py: "pbul://%s/#channel/"
	{"pbul://o.gn5kj6nfhv736I7jC3cj3QLRiyhgl98b/#channel/", "pushbullet",
		map[string]string{"token": "o.gn5kj6nfhv736I7jC3cj3QLRiyhgl98b", "channel_tag": "channel"}},
	{"pbul://o.gn5kj6nfhv736I7jC3cj3QLRiyhgl98b/?to=user@example.com", "pushbullet",
		map[string]string{"token": "o.gn5kj6nfhv736I7jC3cj3QLRiyhgl98b", "email": "user@example.com"}},
	// test_plugin_apprise_api.py: "apprise://localhost:8080/%s"; apprise_api.py's ?tags=
	{"apprise://localhost:8080/mykey?tags=devops,admin", "apprise",
		map[string]string{"server": "http://localhost:8080", "key": "mykey", "tag": "devops,admin"}},
	// apprise_api.py templates: "{schema}://{user}:{password}@{host}/{token}"
	{"apprises://user:pass@apprise.example.com/api/mykey", "apprise",
		map[string]string{"server": "https://apprise.example.com/api", "key": "mykey", "username": "user", "password": "pass"}},
	// test_plugin_pushdeer.py: "pushdeer://{}"
	{"pushdeer://PDU1234TkeyABCDEFabcdef0123456789", "pushdeer",
		map[string]string{"key": "PDU1234TkeyABCDEFabcdef0123456789"}},
	// test_plugin_pushdeer.py: "pushdeer://localhost:80/{}"
	{"pushdeer://localhost:8800/PDU1234TkeyABCDEFabcdef0123456789", "pushdeer",
		map[string]string{"key": "PDU1234TkeyABCDEFabcdef0123456789", "api": "http://localhost:8800"}},
	// test_plugin_pushme.py: "pushme://%s" and "?push_key=%s&status=no"
	{"pushme://abc123def456", "pushme", map[string]string{"key": "abc123def456"}},
	{"pushme://?push_key=abc123def456&status=no", "pushme", map[string]string{"key": "abc123def456"}},
	// test_plugin_qq.py: "qq://abc123def456ghi789jkl012mno345pq"
	{"qq://abc123def456ghi789jkl012mno345pq", "qmsg", map[string]string{"key": "abc123def456ghi789jkl012mno345pq"}},
	// test_plugin_synology.py: "synology://localhost:8080/token"
	{"synology://localhost:8080/token", "synology_chat",
		map[string]string{"url": `http://localhost:8080/webapi/entry.cgi?api=SYNO.Chat.External&method=incoming&version=2&token=%22token%22`}},
	{"synologys://nas.example.com:5001/token", "synology_chat",
		map[string]string{"url": `https://nas.example.com:5001/webapi/entry.cgi?api=SYNO.Chat.External&method=incoming&version=2&token=%22token%22`}},
}

// shoutrrr's examples of the chat and push kinds, from its docs
// (nicholas-fedor/shoutrrr, docs/services/<group>/<name>/index.md).
var shoutrrrCases2 = []urlCase{
	// chat/discord: "discord://W3dE2OZz…@693853386302554172?thread_id=123456789"
	{"discord://W3dE2OZz4C13_4z_uHfDOoC7BqTW288s-z1ykqI0iJnY_HjRqMGO8Sc7YDqvf_KVKjhJ@693853386302554172?thread_id=1234567890123456789", "discord",
		map[string]string{"url": "https://discord.com/api/webhooks/693853386302554172/W3dE2OZz4C13_4z_uHfDOoC7BqTW288s-z1ykqI0iJnY_HjRqMGO8Sc7YDqvf_KVKjhJ", "thread_id": "1234567890123456789"}},
	// chat/discord config: username, avatar
	{"discord://W3dE2OZz4C13_4z_uHfDOoC7BqTW288s-z1ykqI0iJnY@693853386302554172?username=herald&avatar=https://example.com/a.png&color=0x50D9ff", "discord",
		map[string]string{"url": "https://discord.com/api/webhooks/693853386302554172/W3dE2OZz4C13_4z_uHfDOoC7BqTW288s-z1ykqI0iJnY", "username": "herald", "avatar_url": "https://example.com/a.png"}},
	// chat/slack: "slack://hook:WNA3PBYV6-F20DUQND3RQ-Webc4MAvoacrpPakR8phF0zi@webhook?color=good&title=Great+News…"
	{"slack://hook:WNA3PBYV6-F20DUQND3RQ-Webc4MAvoacrpPakR8phF0zi@webhook?color=good&title=Great+News", "slack",
		map[string]string{"url": "https://hooks.slack.com/services/WNA3PBYV6/F20DUQND3RQ/Webc4MAvoacrpPakR8phF0zi"}},
	// push/pushover: "pushover://shoutrrr:apiToken@userKey/?devices=device1[,device2, ...]"
	{"pushover://shoutrrr:azGDORePK8gMaC0QOYAMyEEuzJnyUi@uQiRzpo4DXghDmr9QzzfQu27cmVRsG/?devices=device1,device2&priority=1", "pushover",
		map[string]string{"token": "azGDORePK8gMaC0QOYAMyEEuzJnyUi", "user": "uQiRzpo4DXghDmr9QzzfQu27cmVRsG", "device": "device1,device2", "priority": "1"}},
	// chat/matrix: "matrix://[user:password@]host[:port]/[?rooms=!roomID1…][&disableTLS=yes]"; no user: the password is a token
	{"matrix://:syt_token@matrix.example.com/?rooms=!roomID:matrix.example.com", "matrix",
		map[string]string{"homeserver": "https://matrix.example.com", "access_token": "syt_token", "room": "!roomID:matrix.example.com"}},
	{"matrix://:syt_token@matrix.example.com:8448?disableTLS=yes&rooms=general:matrix.example.com", "matrix",
		map[string]string{"homeserver": "http://matrix.example.com:8448", "access_token": "syt_token", "room": "#general:matrix.example.com"}},
	// chat/signal: "signal://user:password@localhost:8080/+1234567890/+4915112345678"
	{"signal://user:password@localhost:8080/+1234567890/+4915112345678?disabletls=yes", "signal",
		map[string]string{"server": "http://localhost:8080", "number": "+1234567890", "recipients": "+4915112345678", "username": "user", "password": "password"}},
	// chat/signal: "signal://localhost:8080/+1234567890/group.abcdefghijklmnop="
	{"signal://signal.example.com/+1234567890/+4915112345678/group.QUFFQ0F3UUZCZ2NJQ1FvTERBME9EeEFSRWhNVUZSWVhHQmthR3h3ZEhoOD0=", "signal",
		map[string]string{"server": "https://signal.example.com:8080", "number": "+1234567890", "recipients": "+4915112345678,group.QUFFQ0F3UUZCZ2NJQ1FvTERBME9EeEFSRWhNVUZSWVhHQmthR3h3ZEhoOD0="}},
	// chat/teams: "teams://?host=https%3A%2F%2Fprod-00.westus.logic.azure.com%3A443%2Fworkflows%2Fabc123…&title=Alert"
	{"teams://?host=https%3A%2F%2Fprod-00.westus.logic.azure.com%3A443%2Fworkflows%2Fabc123%2Ftriggers%2Fmanual%2Fpaths%2Finvoke%3Fapi-version%3D2016-06-00%26sp%3D%2Ftriggers%2Fmanual%2Frun%26sv%3D1.0%26sig%3DXXXXXXXX&title=Alert", "teams",
		map[string]string{"url": "https://prod-00.westus.logic.azure.com:443/workflows/abc123/triggers/manual/paths/invoke?api-version=2016-06-00&sp=/triggers/manual/run&sv=1.0&sig=XXXXXXXX"}},
	// chat/googlechat: "googlechat://chat.googleapis.com/v1/spaces/FOO/messages?key=bar&token=baz"
	{"googlechat://chat.googleapis.com/v1/spaces/FOO/messages?key=bar&token=baz", "google_chat",
		map[string]string{"url": "https://chat.googleapis.com/v1/spaces/FOO/messages?key=bar&token=baz"}},
	// chat/mattermost: "mattermost://shoutrrrUser@your-domain.com/bywsw8zt5jgpte3nm65qjiru6h/shoutrrrChannel"
	// (Herald wants a channel's name as in its URL: town-square, not shoutrrrChannel)
	{"mattermost://shoutrrrUser@your-domain.com/bywsw8zt5jgpte3nm65qjiru6h/town-square", "mattermost",
		map[string]string{"url": "https://your-domain.com/hooks/bywsw8zt5jgpte3nm65qjiru6h", "username": "shoutrrrUser", "channel": "town-square"}},
	// chat/mattermost: "mattermost://your-domain.com/bywsw8zt5jgpte3nm65qjiru6h?icon=rocket"
	{"mattermost://your-domain.com/bywsw8zt5jgpte3nm65qjiru6h?icon=rocket&disabletls=yes", "mattermost",
		map[string]string{"url": "http://your-domain.com/hooks/bywsw8zt5jgpte3nm65qjiru6h", "icon_emoji": "rocket"}},
	// chat/rocketchat: "rocketchat://shoutrrrUser@your-domain.com/8eGdRzc9r4YYNyvge/2XYQcX9…/shoutrrrChannel"
	{"rocketchat://shoutrrrUser@your-domain.com/8eGdRzc9r4YYNyvge/2XYQcX9NBwJBKfQnphpebPcnXZcPEi32Nt4NKJfrnbhsbRfX/shoutrrrChannel", "rocketchat",
		map[string]string{"url": "https://your-domain.com/hooks/8eGdRzc9r4YYNyvge/2XYQcX9NBwJBKfQnphpebPcnXZcPEi32Nt4NKJfrnbhsbRfX", "alias": "shoutrrrUser", "channel": "#shoutrrrChannel"}},
	// chat/rocketchat: "…/@shoutrrrReceiver"
	{"rocketchat://your-domain.com/8eGdRzc9r4YYNyvge/2XYQcX9NBwJBKfQnphpebPcnXZcPEi32Nt4NKJfrnbhsbRfX/@shoutrrrReceiver", "rocketchat",
		map[string]string{"url": "https://your-domain.com/hooks/8eGdRzc9r4YYNyvge/2XYQcX9NBwJBKfQnphpebPcnXZcPEi32Nt4NKJfrnbhsbRfX", "channel": "@shoutrrrReceiver"}},
	// push/pushbullet: "pushbullet://api-token[/device/#channel/email]"
	{"pushbullet://o.gn5kj6nfhv736I7jC3cj3QLRiyhgl98b/#mychannel", "pushbullet",
		map[string]string{"token": "o.gn5kj6nfhv736I7jC3cj3QLRiyhgl98b", "channel_tag": "mychannel"}},
	{"pushbullet://o.gn5kj6nfhv736I7jC3cj3QLRiyhgl98b/ujpah72o0sjAoRtnM0jc", "pushbullet",
		map[string]string{"token": "o.gn5kj6nfhv736I7jC3cj3QLRiyhgl98b", "device_iden": "ujpah72o0sjAoRtnM0jc"}},
}

func TestAppriseChat(t *testing.T)  { runCases(t, appriseCases2, Apprise) }
func TestShoutrrrChat(t *testing.T) { runCases(t, shoutrrrCases2, Shoutrrr) }

// Errors of the new schemes name the URL's part, never a secret.
func TestErrorsChat(t *testing.T) {
	cases := []errorCase{
		{"msteams://group@tenant/altid/owner/", "serviceurl.teams.connector", ""},
		{"teams://group@tenant/altId/groupOwner?host=example.webhook.office.com", "serviceurl.teams.connector", ""},
		{"teams://?title=x", "serviceurl.query.missing", ""},
		{"slack://xoxb-1234-1234-SECRETX/#general", "serviceurl.slack.bot", "SECRETX"},
		{"slack://xoxb:123456789012-SECRETX@C001CH4NN3L", "serviceurl.slack.bot", "SECRETX"},
		{"slack://T1JJ3T3L2/A1BRTD4JD/SECRETXTIiajkdnlazkcOXr/#channel", "serviceurl.path.unsupported", "SECRETX"},
		{"slack://T1JJ3T3L2/A1BRTD4JD/", "serviceurl.path.missing", ""},
		{"matrix://user:PWSECRET@localhost/#room", "serviceurl.matrix.login", "PWSECRET"},
		{"matrix://user:PWSECRET@matrix.example.com?rooms=!r:x", "serviceurl.matrix.login", "PWSECRET"},
		{"matrixs://TOKSECRET@localhost/", "serviceurl.path.missing", "TOKSECRET"},
		{"matrix://TOKSECRET@localhost/?mode=t2bot", "serviceurl.query.unsupported", "TOKSECRET"},
		{"discord://693853386302554172/TOKSECRET/?tts=yes", "serviceurl.query.unsupported", "TOKSECRET"},
		{"discord://693853386302554172/", "serviceurl.path.missing", ""},
		{"discord://TOKSECRET@693853386302554172/raw", "serviceurl.query.unsupported", "TOKSECRET"},
		{"pover://azGDORePK8gMaC0QOYAMyEEuzJnyUi", "serviceurl.user.missing", "azGDORe"},
		{"pover://u@TOKSECRET?key=x", "serviceurl.query.unsupported", "TOKSECRET"},
		{"pushover://shoutrrr:TOKSECRET@user?encryptionkey=ab", "serviceurl.query.unsupported", "TOKSECRET"},
		{"workflows://host/wf", "serviceurl.path.missing", ""},
		{"workflows://host/wf/SIGSECRET?pa=maybe", "serviceurl.query.bool", "SIGSECRET"},
		{"gchat://ws/KEYSECRET", "serviceurl.path.missing", "KEYSECRET"},
		{"googlechat://chat.googleapis.com/v1/spaces/F/messages?key=KEYSECRET", "serviceurl.query.missing", "KEYSECRET"},
		{"hassio://u:PWSECRET@localhost/long.lived.token", "serviceurl.user.unsupported", "PWSECRET"},
		{"hassio://localhost/long.lived.token/a/b", "serviceurl.path.many", "lived"},
		{"hassio://localhost/long.lived.token/light.turn_on", "serviceurl.path.bad", "lived"},
		{"hassio://localhost/long.lived.token/mobile:dev1", "serviceurl.path.bad", "lived"},
		{"mmost://localhost/TOKSECRET?team=x", "serviceurl.query.unsupported", "TOKSECRET"},
		{"mattermost://localhost", "serviceurl.path.missing", ""},
		{"rocket://user:PWSECRET@localhost/#channel", "serviceurl.user.missing", "PWSECRET"},
		{"rocketchat://localhost/TOKENA", "serviceurl.path.missing", "TOKENA"},
		{"pbul://TOKSECRET/dev1/dev2", "serviceurl.path.many", "TOKSECRET"},
		{"apprises://localhost/KEY?+X-Auth=SECRETX", "serviceurl.query.unsupported", "SECRETX"},
		{"synology://localhost/TOKSECRET?file_url=http://example.com/x.png", "serviceurl.query.unsupported", "TOKSECRET"},
		{"signal://localhost:8080/+1234567890", "serviceurl.path.missing", ""},
		{"signal://localhost/+1234567890/+1?token=TOKSECRET", "serviceurl.query.unsupported", "TOKSECRET"},
		{"pushdeer://u@PDUKEY", "serviceurl.user.unexpected", "PDUKEY"},
		{"discord://TOKSECRET@693853386302554172?json=yes", "serviceurl.query.unsupported", "TOKSECRET"},
		{"workflows://host/wf/SIGSECRET?:key=v", "serviceurl.query.unknown", "SIGSECRET"},
	}
	checkErrors(t, cases)
}

// Settings a style cannot write are refused by name, not dropped.
func TestFormatRefusesChat(t *testing.T) {
	cases := []struct {
		kind  string
		c     channel.Config
		style Style
		field string
	}{
		{"discord", channel.Config{"url": "https://discord.com/api/webhooks/1/t", "api": "https://proxy.example.com/api"}, Apprise, "api"},
		{"pushover", channel.Config{"token": "t", "user": "u", "sound": "siren"}, Shoutrrr, "sound"},
		{"pushover", channel.Config{"token": "t", "user": "u", "ttl": "60"}, Apprise, "ttl"},
		{"matrix", channel.Config{"homeserver": "https://m.example.com", "access_token": "t", "room": "!r", "msgtype": "m.notice"}, Shoutrrr, "msgtype"},
		{"mattermost", channel.Config{"url": "https://m.example.com/hooks/t", "card": "true"}, Apprise, "card"},
		{"google_chat", channel.Config{"url": "https://chat.googleapis.com/v1/spaces/S/messages?key=k&token=t", "thread_key": "x"}, Shoutrrr, "thread_key"},
		{"homeassistant", channel.Config{"server": "http://ha", "token": "t", "data": `{"a":"b"}`}, Apprise, "data"},
		{"apprise", channel.Config{"server": "http://a", "urls": "tgram://x/y"}, Apprise, "urls"},
		{"qmsg", channel.Config{"key": "k", "type": "group"}, Apprise, "type"},
		{"pushme", channel.Config{"key": "a,b"}, Apprise, "key"},
	}
	for _, tc := range cases {
		_, err := Format(tc.kind, tc.c, tc.style, false)
		var ie *i18n.Error
		if !errors.As(err, &ie) || ie.Text.Key != "serviceurl.format.field" || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("Format(%s, %v, %v) = %v, want %s refused", tc.kind, tc.c, tc.style, err, tc.field)
		}
	}
}

// Shared schemes (discord, slack, matrix, signal) go to the style whose
// syntax the URL has.
func TestSharedSchemesChat(t *testing.T) {
	cases := []struct{ url, key, v string }{
		{"discord://W3dE2OZz4C13_4z_uHfDOoC7BqTW288s@693853386302554172", "url", "https://discord.com/api/webhooks/693853386302554172/W3dE2OZz4C13_4z_uHfDOoC7BqTW288s"},
		{"discord://693853386302554172/W3dE2OZz4C13_4z_uHfDOoC7BqTW288s", "url", "https://discord.com/api/webhooks/693853386302554172/W3dE2OZz4C13_4z_uHfDOoC7BqTW288s"},
		{"matrix://:tok@m.example.com/?rooms=!r:m", "homeserver", "https://m.example.com"},
		{"matrix://tok@m.example.com/!r:m", "homeserver", "http://m.example.com"},
		{"signal://s.example.com:8080/+1234567890/+4915112345678", "server", "http://s.example.com:8080"},
		{"signal://s.example.com/+1234567890/+4915112345678?disabletls=no", "server", "https://s.example.com:8080"},
	}
	for _, tc := range cases {
		_, raw, err := Parse(tc.url)
		if err != nil || raw[tc.key] != tc.v {
			t.Errorf("Parse(%s) = %v, %v; want %s=%s", tc.url, raw, err, tc.key, tc.v)
		}
	}
}

// A group id's base64 may hold a slash: shoutrrr joins its segments back.
func TestSignalRecipients(t *testing.T) {
	got := signalRecipients([]string{"+4915112345678", "group.ab", "cd=", "+4915112345679", "group.x"})
	want := []string{"+4915112345678", "group.ab/cd=", "+4915112345679", "group.x"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// roundTripKinds are the kinds whose written URLs FuzzFormatRoundTrip
// checks read back as the channel.
var roundTripKinds = []string{"discord", "slack", "pushover", "matrix", "signal", "teams", "google_chat", "homeassistant", "mattermost", "rocketchat", "pushbullet", "apprise", "pushdeer", "pushme", "qmsg", "synology_chat"}

// A channel read from any URL, written in either style, reads back the
// same (teams: its URL's escaped slashes aside).
func FuzzFormatRoundTrip(f *testing.F) {
	for _, tc := range slices.Concat(urlsOf(appriseCases2), urlsOf(shoutrrrCases2)) {
		f.Add(tc)
	}
	f.Fuzz(func(t *testing.T, u string) {
		kind, raw, err := Parse(u)
		if err != nil || !slices.Contains(roundTripKinds, kind) {
			return
		}
		k, _ := kinds.Get(kind)
		c, err := k.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		for _, style := range []Style{Apprise, Shoutrrr} {
			out, err := Format(kind, c, style, true)
			if err != nil {
				continue
			}
			k2, raw2, err := ParseStyle(out, Auto)
			if err != nil || k2 != kind {
				t.Fatalf("%q -> %v %q -> %v %v", u, style, out, k2, err)
			}
			c2, _ := k.Parse(raw2)
			if kind == "teams" {
				c["url"], c2["url"] = strings.ReplaceAll(c["url"], "%2F", "/"), strings.ReplaceAll(c2["url"], "%2F", "/")
			}
			if !maps.Equal(c, c2) {
				t.Fatalf("%q -> %v %q:\n %v\n %v", u, style, out, c, c2)
			}
		}
	})
}
