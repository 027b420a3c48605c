package ingest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// genTruth is the ground truth a generator keeps while writing: rows per
// "day\tdirection\tdomain", as the hunt reports them.
type genTruth map[string]int64

func (g genTruth) add(t time.Time, dir, domain string) {
	g[t.UTC().Format("2006-01-02")+"\t"+dir+"\t"+domain]++
}

func (g genTruth) lines() []string {
	var out []string
	for k, n := range g {
		out = append(out, fmt.Sprintf("%s\t%d", k, n))
	}
	return out
}

// genPostfix writes a Postfix log of n messages, four sessions at a time
// interleaved line by line, with connect/disconnect lines, deferrals and
// content-filter re-injection, and returns the ground truth of the hunt
// and the number of lines. Directions follow from how each message is
// generated (testdata/org.yaml: contoso.com, 10.0.0.0/8).
func genPostfix(w io.Writer, n int) (genTruth, int64) {
	bw := bufio.NewWriterSize(w, 1<<20)
	defer bw.Flush()
	truth := genTruth{}
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var lines int64
	qid := 0x1000000000
	for g := 0; g < n; g += 4 {
		t := start.Add(time.Duration(g) * 500 * time.Millisecond)
		stamp := t.Format(time.Stamp)
		var sessions [][]string
		for k := 0; k < 4 && g+k < n; k++ {
			i := g + k
			qid++
			id := fmt.Sprintf("%X", qid)
			pid := 1000 + k
			var l []string
			add := func(s string, a ...any) { l = append(l, stamp+" mx1 "+fmt.Sprintf(s, a...)) }
			switch i % 4 {
			case 0: // inbound, two local recipients
				ip := fmt.Sprintf("203.0.%d.%d", (i/250)%250, i%250+1)
				add("postfix/smtpd[%d]: connect from ext%d.example.net[%s]", pid, i, ip)
				add("postfix/smtpd[%d]: %s: client=ext%d.example.net[%s]", pid, id, i, ip)
				add("postfix/cleanup[%d]: %s: message-id=<%d@example.net>", pid+100, id, i)
				add("postfix/qmgr[300]: %s: from=<s%d@example.net>, size=%d, nrcpt=2 (queue active)", id, i, 1000+i%5000)
				add("postfix/lmtp[%d]: %s: to=<u%d@contoso.com>, relay=mbox[10.0.0.20]:24, delay=0.5, delays=0.1/0/0.2/0.2, dsn=2.0.0, status=sent (250 2.0.0 Saved)", pid+200, id, i%1000)
				add("postfix/lmtp[%d]: %s: to=<v%d@sales.contoso.com>, relay=mbox[10.0.0.20]:24, delay=0.5, delays=0.1/0/0.2/0.2, dsn=2.0.0, status=sent (250 2.0.0 Saved)", pid+200, id, i%1000)
				add("postfix/qmgr[300]: %s: removed", id)
				add("postfix/smtpd[%d]: disconnect from ext%d.example.net[%s] ehlo=1 mail=1 rcpt=2 data=1 quit=1 commands=6", pid, i, ip)
				truth.add(t, "Inbound", "contoso.com")
				truth.add(t, "Inbound", "sales.contoso.com")
			case 1: // outbound from an internal host, deferred then sent
				ip := fmt.Sprintf("10.1.%d.%d", (i/250)%250, i%250+1)
				add("postfix/smtpd[%d]: connect from ws%d.corp[%s]", pid, i, ip)
				add("postfix/smtpd[%d]: %s: client=ws%d.corp[%s]", pid, id, i, ip)
				add("postfix/cleanup[%d]: %s: message-id=<%d@contoso.com>", pid+100, id, i)
				add("postfix/qmgr[300]: %s: from=<u%d@contoso.com>, size=%d, nrcpt=1 (queue active)", id, i%1000, 500+i%3000)
				add("postfix/smtp[%d]: %s: to=<p%d@fabrikam.com>, relay=none, delay=1, delays=0/0/1/0, dsn=4.4.1, status=deferred (connect to mx.fabrikam.com[192.0.2.25]:25: Connection timed out)", pid+200, id, i%1000)
				add("postfix/smtp[%d]: %s: to=<p%d@fabrikam.com>, relay=mx.fabrikam.com[192.0.2.25]:25, delay=2, delays=0/0/1/1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4X%dZ)", pid+200, id, i%1000, i)
				add("postfix/qmgr[300]: %s: removed", id)
				add("postfix/smtpd[%d]: disconnect from ws%d.corp[%s] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5", pid, i, ip)
				truth.add(t, "Outbound", "fabrikam.com")
			case 2: // authenticated submission to a colleague
				ip := fmt.Sprintf("198.51.%d.%d", (i/250)%250, i%250+1)
				add("postfix/submission/smtpd[%d]: %s: client=laptop%d.isp.test[%s], sasl_method=PLAIN, sasl_username=u%d", pid, id, i, ip, i%1000)
				add("postfix/cleanup[%d]: %s: message-id=<%d@contoso.com>", pid+100, id, i)
				add("postfix/qmgr[300]: %s: from=<u%d@contoso.com>, size=%d, nrcpt=1 (queue active)", id, i%1000, 700)
				add("postfix/lmtp[%d]: %s: to=<w%d@contoso.com>, relay=mbox[10.0.0.20]:24, delay=0.5, delays=0.1/0/0.2/0.2, dsn=2.0.0, status=sent (250 2.0.0 Saved)", pid+200, id, i%1000)
				add("postfix/qmgr[300]: %s: removed", id)
				truth.add(t, "Intra-org", "contoso.com")
			case 3: // spoofed own domain from outside, rejected at RCPT
				ip := fmt.Sprintf("192.0.2.%d", i%250+1)
				add("postfix/smtpd[%d]: NOQUEUE: reject: RCPT from unknown[%s]: 550 5.1.1 <x%d@contoso.com>: Recipient address rejected: User unknown; from=<ceo@contoso.com> to=<x%d@contoso.com> proto=ESMTP helo=<spoof>", pid, ip, i%1000, i%1000)
				truth.add(t, "Inbound", "contoso.com")
			}
			sessions = append(sessions, l)
		}
		for j := 0; ; j++ {
			any := false
			for _, s := range sessions {
				if j < len(s) {
					any = true
					bw.WriteString(s[j])
					bw.WriteByte('\n')
					lines++
				}
			}
			if !any {
				break
			}
		}
	}
	return truth, lines
}

// genDefender writes n Defender Streaming API records in the Azure Storage
// form (one record per line), all EmailEvents, and returns the truth.
func genDefender(w io.Writer, n int) genTruth {
	bw := bufio.NewWriterSize(w, 1<<20)
	defer bw.Flush()
	truth := genTruth{}
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	dirs := []string{"Inbound", "Outbound", "Intra-org", "Inbound"}
	domains := []string{"contoso.com", "fabrikam.com", "contoso.com", "sales.contoso.com"}
	enc := json.NewEncoder(bw)
	for i := 0; i < n; i++ {
		t := start.Add(time.Duration(i) * 100 * time.Millisecond)
		d := dirs[i%4]
		props := map[string]any{
			"Timestamp":             t.Format("2006-01-02T15:04:05.0000000Z"),
			"NetworkMessageId":      fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i),
			"InternetMessageId":     fmt.Sprintf("<%d@example.net>", i),
			"SenderMailFromAddress": fmt.Sprintf("s%d@example.net", i%977),
			"SenderFromAddress":     fmt.Sprintf("s%d@example.net", i%977),
			"SenderDisplayName":     "Sender Name",
			"SenderMailFromDomain":  "example.net",
			"SenderFromDomain":      "example.net",
			"SenderIPv4":            fmt.Sprintf("203.0.113.%d", i%250),
			"RecipientEmailAddress": fmt.Sprintf("r%d@%s", i%1000, domains[i%4]),
			"Subject":               fmt.Sprintf("Message number %d", i),
			"EmailClusterId":        int64(i) * 7919,
			"EmailDirection":        d,
			"DeliveryAction":        "Delivered",
			"DeliveryLocation":      "Inbox/folder",
			"ThreatTypes":           "",
			"DetectionMethods":      "",
			"BulkComplaintLevel":    i % 10,
			"AuthenticationDetails": `{"SPF":"pass","DKIM":"pass","DMARC":"pass"}`,
			"AttachmentCount":       i % 3,
			"UrlCount":              i % 5,
			"EmailLanguage":         "en",
			"ReportId":              fmt.Sprintf("r-%d", i),
		}
		rec := map[string]any{"time": t.Format(time.RFC3339Nano), "tenantId": "aaaaaaaa-0000-0000-0000-000000000000",
			"operationName": "Publish", "category": "AdvancedHunting-EmailEvents", "properties": props}
		enc.Encode(rec)
		truth.add(t, d, domains[i%4])
	}
	return truth
}

// genExchange writes an Exchange 2013+ tracking log of about n lines (two
// or three events per message) and returns its truth.
func genExchange(w io.Writer, n int) genTruth {
	bw := bufio.NewWriterSize(w, 1<<20)
	defer bw.Flush()
	truth := genTruth{}
	bw.WriteString("#Software: Microsoft Exchange Server\r\n#Version: 15.02.1544.004\r\n#Log-type: Message Tracking Log\r\n#Date: 2026-11-01T00:00:00.000Z\r\n")
	bw.WriteString("#Fields: date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,source,event-id,internal-message-id,message-id,network-message-id,recipient-address,recipient-status,total-bytes,recipient-count,related-recipient-address,reference,message-subject,sender-address,return-path,message-info,directionality,tenant-id,original-client-ip,original-server-ip,custom-data,transport-traffic-type,log-id,schema-version\r\n")
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	lines := 0
	for i := 0; lines < n; i++ {
		t := start.Add(time.Duration(i) * 200 * time.Millisecond)
		ts := t.Format("2006-01-02T15:04:05.000Z")
		nmid := fmt.Sprintf("%08x-1111-4111-8111-%012x", i, i)
		ev := func(at, src, id, rcpt, dir, ip string) {
			sender := fmt.Sprintf("s%d@%s", i%977, map[bool]string{true: "contoso.com", false: "example.net"}[dir == "Originating"])
			fmt.Fprintf(bw, "%s,%s,,10.0.0.5,EX01,,,%s,%s,%d,<%d@x>,%s,%s,,1000,1,,,\"Subject %d, quoted\",%s,%s,,%s,,%s,,,,,15.02\r\n",
				at, ip, src, id, i, i, nmid, rcpt, i, sender, sender, dir, ip)
			lines++
		}
		later := t.Add(50 * time.Millisecond).Format("2006-01-02T15:04:05.000Z")
		if i%2 == 0 {
			ev(ts, "SMTP", "RECEIVE", fmt.Sprintf("u%d@contoso.com", i%1000), "Incoming", "203.0.113.9")
			ev(later, "STOREDRIVER", "DELIVER", fmt.Sprintf("u%d@contoso.com", i%1000), "Incoming", "")
			truth.add(t, "Inbound", "contoso.com")
		} else {
			ev(ts, "STOREDRIVER", "RECEIVE", fmt.Sprintf("p%d@fabrikam.com;v%d@contoso.com", i%1000, i%1000), "Originating", "")
			ev(later, "SMTP", "SEND", fmt.Sprintf("p%d@fabrikam.com", i%1000), "Originating", "")
			ev(later, "STOREDRIVER", "DELIVER", fmt.Sprintf("v%d@contoso.com", i%1000), "Originating", "")
			truth.add(t, "Outbound", "fabrikam.com")
			truth.add(t, "Intra-org", "contoso.com")
		}
	}
	return truth
}

// genEXOTrace writes n message trace records and returns the truth.
func genEXOTrace(w io.Writer, n int) genTruth {
	bw := bufio.NewWriterSize(w, 1<<20)
	defer bw.Flush()
	truth := genTruth{}
	bw.WriteString(`"origin_timestamp_utc","sender_address","recipient_status","message_subject","total_bytes","message_id","network_message_id","original_client_ip","directionality","connector_id","delivery_priority"` + "\r\n")
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		t := start.Add(time.Duration(i) * 100 * time.Millisecond)
		if i%2 == 0 {
			fmt.Fprintf(bw, `"%s","s%d@example.net","u%d@contoso.com##Receive, Deliver","Hello %d","1000","<%d@x>","%08x-2222-4222-8222-%012x","203.0.113.9","Incoming","","Normal"`+"\r\n",
				t.Format("2006-01-02T15:04:05.0000000Z"), i%977, i%1000, i, i, i, i)
			truth.add(t, "Inbound", "contoso.com")
		} else {
			fmt.Fprintf(bw, `"%s","u%d@contoso.com","p%d@fabrikam.com##Receive, Submit, SendExternal","Re: %d","1000","<%d@x>","%08x-2222-4222-8222-%012x","10.1.1.1","Originating","Outbound","Normal"`+"\r\n",
				t.Format("2006-01-02T15:04:05.0000000Z"), i%1000, i%1000, i, i, i, i)
			truth.add(t, "Outbound", "fabrikam.com")
		}
	}
	return truth
}

// genAHCSV writes n Advanced Hunting EmailEvents rows (portal datetime
// format) and returns the truth.
func genAHCSV(w io.Writer, n int) genTruth {
	bw := bufio.NewWriterSize(w, 1<<20)
	defer bw.Flush()
	truth := genTruth{}
	bw.WriteString("Timestamp,NetworkMessageId,InternetMessageId,SenderFromAddress,SenderIPv4,RecipientEmailAddress,Subject,EmailDirection,DeliveryAction,DeliveryLocation,AttachmentCount,UrlCount,BulkComplaintLevel\r\n")
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	dirs := []string{"Inbound", "Outbound", "Intra-org"}
	doms := []string{"contoso.com", "fabrikam.com", "contoso.com"}
	for i := 0; i < n; i++ {
		t := start.Add(time.Duration(i) * 100 * time.Millisecond)
		fmt.Fprintf(bw, "\"%s\",%08x-3333-4333-8333-%012x,<%d@x>,s%d@example.net,203.0.113.9,r%d@%s,\"Subject, %d\",%s,Delivered,Inbox/folder,%d,%d,%d\r\n",
			t.Format("Jan 2, 2006 3:04:05 PM"), i, i, i, i%977, i%1000, doms[i%3], i, dirs[i%3], i%3, i%5, i%10)
		truth.add(t, dirs[i%3], doms[i%3])
	}
	return truth
}
