//! The large synthetic feeds the parser benchmarks share with the peer benchmarks in
//! `benches/peers/` (`cargo run --release --example big_feed -- 5 > big-5.xml`).

/// A news feed of about `megabytes` MB: RSS 2.0 with Dublin Core, content:encoded and Media
/// RSS, HTML descriptions with entities, links and images, as big sites publish.
pub fn big_rss(megabytes: usize) -> Vec<u8> {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:media=\"http://search.yahoo.com/mrss/\">\n<channel>\n<title>Big Daily &amp; Co</title>\n<link>https://big.example.com/</link>\n<description>Everything, every hour</description>\n",
    );
    let mut i = 0;
    while out.len() < megabytes * 1_000_000 {
        i += 1;
        let paragraph = format!(
            "&lt;p&gt;Officials said on Tuesday that the {i}th meeting of the regional council &amp;amp; its committees had approved the budget &#8212; a &lt;a href=\"/topics/budget-{i}\"&gt;record&lt;/a&gt; sum. &lt;em&gt;Critics&lt;/em&gt; called it “reckless”.&lt;/p&gt;"
        );
        out.push_str(&format!(
            "<item>\n<title>Council approves budget number {i} after long debate</title>\n<link>https://big.example.com/2026/11/story-{i}?utm_source=rss</link>\n<guid isPermaLink=\"false\">big-{i}</guid>\n<pubDate>Tue, 24 Nov 2026 08:{:02}:00 +0100</pubDate>\n<dc:creator>Reporter {}</dc:creator>\n<category>Politics</category>\n<description>{paragraph}</description>\n<content:encoded><![CDATA[<p>Full text of story {i}.</p><p><img src=\"/img/{i}.jpg\" alt=\"Photo\"> The council met for nine hours. <a href=\"https://other.example.org/x\">Source</a></p><p>{}</p>]]></content:encoded>\n<media:content url=\"https://big.example.com/img/{i}.jpg\" medium=\"image\" type=\"image/jpeg\"/>\n</item>\n",
            i % 60,
            i % 17,
            "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(8)
        ));
    }
    out.push_str("</channel>\n</rss>\n");
    out.into_bytes()
}
