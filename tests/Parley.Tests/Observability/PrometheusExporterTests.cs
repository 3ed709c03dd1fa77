using System.Diagnostics.Metrics;
using Parley.Node.Observability;

namespace Parley.Tests.Observability;

public sealed class PrometheusExporterTests
{
    [Fact]
    public void Counter_sums_per_tag_set_under_a_total_suffixed_name()
    {
        using var meter = NewMeter();
        using var exporter = ExporterFor(meter);
        var frames = meter.CreateCounter<long>("parley.frames.sent", "{frame}", "Frames written to clients.");

        frames.Add(2, new KeyValuePair<string, object?>("op", "msg"));
        frames.Add(3, new KeyValuePair<string, object?>("op", "msg"));

        Assert.Equal(
            [
                "# HELP parley_frames_sent_total Frames written to clients.",
                "# TYPE parley_frames_sent_total counter",
                "parley_frames_sent_total{op=\"msg\"} 5",
            ],
            Scrape(exporter));
    }

    [Fact]
    public void Two_tag_sets_are_two_series_and_tag_order_does_not_matter()
    {
        using var meter = NewMeter();
        using var exporter = ExporterFor(meter);
        var publishes = meter.CreateCounter<int>("parley.publishes", "{message}");

        publishes.Add(1, new("kind", "durable"), new("source", "ws"));
        publishes.Add(1, new("source", "ws"), new("kind", "durable"));
        publishes.Add(4, new("kind", "ephemeral"), new("source", "http"));

        var lines = Scrape(exporter);
        Assert.Contains("parley_publishes_total{kind=\"durable\",source=\"ws\"} 2", lines);
        Assert.Contains("parley_publishes_total{kind=\"ephemeral\",source=\"http\"} 4", lines);
        Assert.Equal(2, lines.Count(l => l.StartsWith("parley_publishes_total{", StringComparison.Ordinal)));
    }

    [Fact]
    public void Label_values_are_escaped_and_label_names_sanitised()
    {
        using var meter = NewMeter();
        using var exporter = ExporterFor(meter);
        var refusals = meter.CreateCounter<long>("parley.limits.refusals");

        refusals.Add(1, new("limit.kind", "a\"b\\c\nd"), new("1st", 42), new("strict", true));

        Assert.Contains("parley_limits_refusals_total{_1st=\"42\",limit_kind=\"a\\\"b\\\\c\\nd\",strict=\"true\"} 1", Scrape(exporter));
    }

    [Fact]
    public void Help_escapes_backslash_and_newline_and_help_and_type_come_once_per_family()
    {
        using var meter = NewMeter();
        using var exporter = ExporterFor(meter);
        var closes = meter.CreateCounter<long>("parley.connections.closed", "{connection}", "Closed connections,\nby reason (see docs\\protocol.md).");

        closes.Add(1, new KeyValuePair<string, object?>("reason", "idle"));
        closes.Add(1, new KeyValuePair<string, object?>("reason", "slow_consumer"));

        var lines = Scrape(exporter);
        Assert.Equal(
            "# HELP parley_connections_closed_total Closed connections,\\nby reason (see docs\\\\protocol.md).",
            Assert.Single(lines, l => l.StartsWith("# HELP ", StringComparison.Ordinal)));
        Assert.Equal("# TYPE parley_connections_closed_total counter", Assert.Single(lines, l => l.StartsWith("# TYPE ", StringComparison.Ordinal)));
        Assert.Equal(1, Array.IndexOf(lines, "# TYPE parley_connections_closed_total counter"));
    }

    [Fact]
    public void Up_down_counter_is_a_gauge_of_its_summed_deltas()
    {
        using var meter = NewMeter();
        using var exporter = ExporterFor(meter);
        var members = meter.CreateUpDownCounter<long>("parley.rooms.members", "{member}", "Room members on this node.");

        members.Add(5);
        members.Add(-2);

        var lines = Scrape(exporter);
        Assert.Contains("# TYPE parley_rooms_members gauge", lines);
        Assert.Contains("parley_rooms_members 3", lines);
    }

    [Fact]
    public void Observable_gauge_reports_the_value_at_render_time()
    {
        using var meter = NewMeter();
        using var exporter = ExporterFor(meter);
        var level = 3;
        meter.CreateObservableGauge("parley.queue.depth", () => level, "{frame}", "Frames queued.");

        Assert.Contains("parley_queue_depth 3", Scrape(exporter));
        level = 7;
        var lines = Scrape(exporter);
        Assert.Contains("# TYPE parley_queue_depth gauge", lines);
        Assert.Contains("parley_queue_depth 7", lines);
    }

    [Fact]
    public void Observable_counter_exposes_its_reported_total_as_a_counter()
    {
        using var meter = NewMeter();
        using var exporter = ExporterFor(meter);
        var total = 10L;
        meter.CreateObservableCounter("parley.store.rows.written", () => total, "{row}");

        Assert.Contains("parley_store_rows_written_total 10", Scrape(exporter));
        total = 25;
        var lines = Scrape(exporter);
        Assert.Contains("# TYPE parley_store_rows_written_total counter", lines);
        Assert.Contains("parley_store_rows_written_total 25", lines);
    }

    [Fact]
    public void Observable_up_down_counter_is_a_gauge_of_the_reported_value()
    {
        using var meter = NewMeter();
        using var exporter = ExporterFor(meter);
        meter.CreateObservableUpDownCounter("parley.connections.active", () => 4L, "{connection}");

        var lines = Scrape(exporter);
        Assert.Contains("# TYPE parley_connections_active gauge", lines);
        Assert.Contains("parley_connections_active 4", lines);
    }

    [Fact]
    public void Series_an_observable_callback_stops_reporting_leave_the_scrape()
    {
        using var meter = NewMeter();
        using var exporter = ExporterFor(meter);
        Measurement<int>[] rooms = [new(2, new KeyValuePair<string, object?>("room", "a")), new(5, new KeyValuePair<string, object?>("room", "b"))];
        meter.CreateObservableGauge("parley.rooms.members", () => rooms, "{member}");

        Assert.Contains("parley_rooms_members{room=\"b\"} 5", Scrape(exporter));
        rooms = [new(3, new KeyValuePair<string, object?>("room", "a"))];

        var lines = Scrape(exporter);
        Assert.Contains("parley_rooms_members{room=\"a\"} 3", lines);
        Assert.DoesNotContain(lines, l => l.Contains("room=\"b\"", StringComparison.Ordinal));
    }

    [Fact]
    public void Gauge_keeps_the_last_recorded_value()
    {
        using var meter = NewMeter();
        using var exporter = ExporterFor(meter);
        var lag = meter.CreateGauge<double>("parley.broker.lag", "s");

        lag.Record(5);
        lag.Record(0.125);

        var lines = Scrape(exporter);
        Assert.Contains("# TYPE parley_broker_lag_seconds gauge", lines);
        Assert.Contains("parley_broker_lag_seconds 0.125", lines);
    }

    [Fact]
    public void Histogram_in_seconds_has_cumulative_buckets_an_inf_bucket_equal_to_count_and_the_exact_sum()
    {
        using var meter = NewMeter();
        using var exporter = ExporterFor(meter);
        var commit = meter.CreateHistogram<double>("parley.store.commit.duration", "s", "Time to commit one batch.");

        commit.Record(0.00390625);
        commit.Record(0.0048828125);
        commit.Record(0.25);
        commit.Record(20);

        Assert.Equal(
            [
                "# HELP parley_store_commit_duration_seconds Time to commit one batch.",
                "# TYPE parley_store_commit_duration_seconds histogram",
                "parley_store_commit_duration_seconds_bucket{le=\"0.0005\"} 0",
                "parley_store_commit_duration_seconds_bucket{le=\"0.001\"} 0",
                "parley_store_commit_duration_seconds_bucket{le=\"0.0025\"} 0",
                "parley_store_commit_duration_seconds_bucket{le=\"0.005\"} 2",
                "parley_store_commit_duration_seconds_bucket{le=\"0.01\"} 2",
                "parley_store_commit_duration_seconds_bucket{le=\"0.025\"} 2",
                "parley_store_commit_duration_seconds_bucket{le=\"0.05\"} 2",
                "parley_store_commit_duration_seconds_bucket{le=\"0.1\"} 2",
                "parley_store_commit_duration_seconds_bucket{le=\"0.25\"} 3",
                "parley_store_commit_duration_seconds_bucket{le=\"0.5\"} 3",
                "parley_store_commit_duration_seconds_bucket{le=\"1\"} 3",
                "parley_store_commit_duration_seconds_bucket{le=\"2.5\"} 3",
                "parley_store_commit_duration_seconds_bucket{le=\"5\"} 3",
                "parley_store_commit_duration_seconds_bucket{le=\"10\"} 3",
                "parley_store_commit_duration_seconds_bucket{le=\"+Inf\"} 4",
                "parley_store_commit_duration_seconds_sum 20.2587890625",
                "parley_store_commit_duration_seconds_count 4",
            ],
            Scrape(exporter));
    }

    [Fact]
    public void Histogram_without_a_time_unit_uses_size_buckets_and_keeps_tags_before_le()
    {
        using var meter = NewMeter();
        using var exporter = ExporterFor(meter);
        var batch = meter.CreateHistogram<int>("parley.store.batch.size", "{message}");

        batch.Record(3, new KeyValuePair<string, object?>("store", "sqlite"));
        batch.Record(20000, new KeyValuePair<string, object?>("store", "sqlite"));

        var buckets = Scrape(exporter).Where(l => l.StartsWith("parley_store_batch_size_bucket", StringComparison.Ordinal)).ToArray();
        Assert.Equal(
            ["1", "2", "5", "10", "25", "50", "100", "250", "500", "1000", "2500", "5000", "10000", "+Inf"],
            buckets.Select(l => l.Split("le=\"")[1].Split('"')[0]));
        Assert.Contains("parley_store_batch_size_bucket{store=\"sqlite\",le=\"5\"} 1", buckets);
        Assert.Contains("parley_store_batch_size_bucket{store=\"sqlite\",le=\"10000\"} 1", buckets);
        Assert.Contains("parley_store_batch_size_bucket{store=\"sqlite\",le=\"+Inf\"} 2", buckets);
    }

    [Fact]
    public void Histogram_honours_advised_bucket_boundaries()
    {
        using var meter = NewMeter();
        using var exporter = ExporterFor(meter);
        var fanout = meter.CreateHistogram("parley.fanout.size", "{connection}", "Recipients per message.", tags: null,
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 8, 64] });

        fanout.Record(8);
        fanout.Record(9);

        var lines = Scrape(exporter);
        Assert.Equal(
            [
                "parley_fanout_size_bucket{le=\"1\"} 0",
                "parley_fanout_size_bucket{le=\"8\"} 1",
                "parley_fanout_size_bucket{le=\"64\"} 2",
                "parley_fanout_size_bucket{le=\"+Inf\"} 2",
                "parley_fanout_size_sum 17",
                "parley_fanout_size_count 2",
            ],
            lines.Where(l => !l.StartsWith('#')));
    }

    [Fact]
    public void Units_become_name_suffixes_and_annotations_add_nothing()
    {
        using var meter = NewMeter();
        using var exporter = ExporterFor(meter);
        meter.CreateCounter<long>("parley.bytes.sent", "By").Add(512);
        meter.CreateCounter<double>("parley.busy.time", "s").Add(1.5);
        meter.CreateCounter<long>("parley.frames.received", "{frame}").Add(1);
        meter.CreateCounter<long>("parley.errors.total", "{error}").Add(1);
        meter.CreateUpDownCounter<long>("parley.buffer.size", "By").Add(64);

        var lines = Scrape(exporter);
        Assert.Contains("parley_bytes_sent_bytes_total 512", lines);
        Assert.Contains("parley_busy_time_seconds_total 1.5", lines);
        Assert.Contains("parley_frames_received_total 1", lines);
        Assert.Contains("parley_errors_total 1", lines);
        Assert.Contains("parley_buffer_size_bytes 64", lines);
    }

    [Fact]
    public void Every_numeric_type_is_recorded()
    {
        using var meter = NewMeter();
        using var exporter = ExporterFor(meter);
        meter.CreateCounter<byte>("parley.t.byte").Add(1);
        meter.CreateCounter<short>("parley.t.short").Add(2);
        meter.CreateCounter<int>("parley.t.int").Add(3);
        meter.CreateCounter<long>("parley.t.long").Add(long.MaxValue);
        meter.CreateCounter<float>("parley.t.float").Add(0.5f);
        meter.CreateCounter<double>("parley.t.double").Add(0.25);
        meter.CreateCounter<decimal>("parley.t.decimal").Add(1.75m);

        Assert.Equal(
            [
                "parley_t_byte_total 1",
                "parley_t_decimal_total 1.75",
                "parley_t_double_total 0.25",
                "parley_t_float_total 0.5",
                "parley_t_int_total 3",
                "parley_t_long_total 9223372036854775807",
                "parley_t_short_total 2",
            ],
            Scrape(exporter).Where(l => !l.StartsWith('#')));
    }

    [Fact]
    public void Non_finite_values_are_spelled_as_prometheus_expects()
    {
        using var meter = NewMeter();
        using var exporter = ExporterFor(meter);
        var gauge = meter.CreateGauge<double>("parley.t.value");

        gauge.Record(double.PositiveInfinity, new KeyValuePair<string, object?>("case", "up"));
        gauge.Record(double.NegativeInfinity, new KeyValuePair<string, object?>("case", "down"));
        gauge.Record(double.NaN, new KeyValuePair<string, object?>("case", "none"));

        var lines = Scrape(exporter);
        Assert.Contains("parley_t_value{case=\"up\"} +Inf", lines);
        Assert.Contains("parley_t_value{case=\"down\"} -Inf", lines);
        Assert.Contains("parley_t_value{case=\"none\"} NaN", lines);
    }

    [Fact]
    public void Families_are_sorted_by_name()
    {
        using var meter = NewMeter();
        using var exporter = ExporterFor(meter);
        meter.CreateCounter<long>("parley.zeta").Add(1);
        meter.CreateCounter<long>("parley.alpha").Add(1);
        meter.CreateUpDownCounter<long>("parley.mid").Add(1);

        Assert.Equal(
            ["# TYPE parley_alpha_total counter", "# TYPE parley_mid gauge", "# TYPE parley_zeta_total counter"],
            Scrape(exporter).Where(l => l.StartsWith("# TYPE", StringComparison.Ordinal)));
    }

    [Fact]
    public void Meters_not_matching_the_filter_are_absent()
    {
        using var included = NewMeter();
        using var excluded = NewMeter();
        using var exporter = ExporterFor(included);
        included.CreateCounter<long>("parley.kept").Add(1);
        excluded.CreateCounter<long>("parley.ignored").Add(1);

        var lines = Scrape(exporter);
        Assert.Contains("parley_kept_total 1", lines);
        Assert.DoesNotContain(lines, l => l.Contains("parley_ignored", StringComparison.Ordinal));
    }

    [Fact]
    public void Default_filter_includes_parley_meters_only()
    {
        var unique = Guid.NewGuid().ToString("N");
        using var exporter = new PrometheusExporter();
        using var parley = new Meter($"Parley.Test.{unique}");
        using var other = new Meter($"Other.Test.{unique}");
        parley.CreateCounter<long>($"parley.kept_{unique}").Add(1);
        other.CreateCounter<long>($"other.ignored_{unique}").Add(1);

        var lines = Scrape(exporter);
        Assert.Contains($"parley_kept_{unique}_total 1", lines);
        Assert.DoesNotContain(lines, l => l.Contains(unique, StringComparison.Ordinal) && l.Contains("ignored", StringComparison.Ordinal));
    }

    [Fact]
    public void Instruments_created_before_the_exporter_are_exported_too()
    {
        using var meter = NewMeter();
        var early = meter.CreateCounter<long>("parley.early");
        using var exporter = ExporterFor(meter);

        early.Add(6);

        Assert.Contains("parley_early_total 6", Scrape(exporter));
    }

    [Fact]
    public void A_disposed_meter_leaves_the_scrape()
    {
        var meter = NewMeter();
        using var exporter = ExporterFor(meter);
        meter.CreateCounter<long>("parley.gone").Add(1);
        Assert.Contains("parley_gone_total 1", Scrape(exporter));

        meter.Dispose();

        Assert.Empty(Scrape(exporter));
    }

    [Fact]
    public async Task Concurrent_recording_from_eight_tasks_sums_exactly()
    {
        using var meter = NewMeter();
        using var exporter = ExporterFor(meter);
        var frames = meter.CreateCounter<long>("parley.frames.sent", "{frame}");
        var busy = meter.CreateCounter<double>("parley.busy.time", "s");
        var sizes = meter.CreateHistogram<int>("parley.frame.size", "By");
        using var start = new ManualResetEventSlim();

        var workers = Enumerable.Range(0, 8).Select(worker => Task.Run(() =>
        {
            start.Wait();
            var parity = new KeyValuePair<string, object?>("parity", worker % 2 == 0 ? "even" : "odd");
            for (var i = 0; i < 10_000; i++)
            {
                frames.Add(1, parity);
                busy.Add(0.5);
                sizes.Record(i % 3);
            }
        })).ToArray();
        start.Set();
        while (!workers.All(w => w.IsCompleted))
        {
            Scrape(exporter);
        }

        await Task.WhenAll(workers);

        var lines = Scrape(exporter);
        Assert.Contains("parley_frames_sent_total{parity=\"even\"} 40000", lines);
        Assert.Contains("parley_frames_sent_total{parity=\"odd\"} 40000", lines);
        Assert.Contains("parley_busy_time_seconds_total 40000", lines);
        Assert.Contains("parley_frame_size_bytes_count 80000", lines);
        Assert.Contains("parley_frame_size_bytes_sum 79992", lines);
        Assert.Contains("parley_frame_size_bytes_bucket{le=\"1\"} 53336", lines);
        Assert.Contains("parley_frame_size_bytes_bucket{le=\"+Inf\"} 80000", lines);
    }

    [Fact]
    public void Recording_into_an_existing_series_allocates_nothing()
    {
        using var meter = NewMeter();
        using var exporter = ExporterFor(meter);
        var frames = meter.CreateCounter<long>("parley.frames.sent", "{frame}");
        var latency = meter.CreateHistogram<double>("parley.publish_to_deliver.duration", "s");
        var op = new KeyValuePair<string, object?>("op", "msg");
        for (var i = 0; i < 1_000; i++)
        {
            frames.Add(1, op);
            latency.Record(0.002, op);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            frames.Add(1, op);
            latency.Record(0.002, op);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Contains("parley_frames_sent_total{op=\"msg\"} 11000", Scrape(exporter));
    }

    // Not named "Parley…": the exporter of every test node running meanwhile listens to those meters,
    // and its recording would be counted in this thread's allocations.
    private static Meter NewMeter() => new($"Test.Parley.{Guid.NewGuid():N}");

    private static PrometheusExporter ExporterFor(Meter meter) => new(m => ReferenceEquals(m, meter));

    private static string[] Scrape(PrometheusExporter exporter) => PrometheusTextGrammar.Validate(exporter.Render());
}
