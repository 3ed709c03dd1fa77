using Parley.Client;

namespace Parley.Tests.Client;

public sealed class ParleyClientOptionsTests
{
    private static readonly Func<CancellationToken, ValueTask<string>> Token = _ => ValueTask.FromResult("jwt");

    [Fact]
    public void The_defaults_are_the_documented_ones()
    {
        var options = Valid();

        Assert.True(options.AutoReconnect);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.ReconnectInitialDelay);
        Assert.Equal(TimeSpan.FromSeconds(30), options.ReconnectMaxDelay);
        Assert.Equal(TimeSpan.FromSeconds(10), options.RequestTimeout);
        Assert.Equal(TimeSpan.FromSeconds(60), options.TokenRefreshMargin);
        Assert.True(options.ResumeInbox);
        Assert.Null(options.InboxSince);
        Assert.Equal(TimeSpan.FromSeconds(30), options.ConnectTimeout);
        Assert.Null(options.ConnectMaxAttempts);
        Assert.False(options.BufferMessages);
        Assert.Equal(10_000, options.MessageBufferLimit);
        Assert.Equal(16 * 1024 * 1024, options.MessageBufferByteLimit);
        Assert.Same(TimeProvider.System, options.TimeProvider);
    }

    [Fact]
    public void Connect_and_message_stream_bounds_out_of_range_are_named()
    {
        var url = new Uri("ws://localhost/v1/ws");

        Assert.Contains("ConnectTimeout", Assert.Throws<ArgumentException>(() => new ParleyClient(new ParleyClientOptions { Url = url, TokenProvider = Token, ConnectTimeout = TimeSpan.Zero })).Message);
        Assert.Contains("ConnectMaxAttempts", Assert.Throws<ArgumentException>(() => new ParleyClient(new ParleyClientOptions { Url = url, TokenProvider = Token, ConnectMaxAttempts = 0 })).Message);
        Assert.Contains("MessageBufferLimit", Assert.Throws<ArgumentException>(() => new ParleyClient(new ParleyClientOptions { Url = url, TokenProvider = Token, MessageBufferLimit = 0 })).Message);
        Assert.Contains("MessageBufferByteLimit", Assert.Throws<ArgumentException>(() => new ParleyClient(new ParleyClientOptions { Url = url, TokenProvider = Token, MessageBufferByteLimit = 0 })).Message);
        Assert.Contains("TimeProvider", Assert.Throws<ArgumentException>(() => new ParleyClient(new ParleyClientOptions { Url = url, TokenProvider = Token, TimeProvider = null! })).Message);
        _ = new ParleyClient(new ParleyClientOptions { Url = url, TokenProvider = Token, ConnectTimeout = Timeout.InfiniteTimeSpan });
    }

    [Fact]
    public async Task Valid_options_make_a_disconnected_client()
    {
        await using var client = new ParleyClient(Valid());

        Assert.Equal(ConnectionState.Disconnected, client.State);
    }

    [Fact]
    public void Null_options_are_refused()
    {
        Assert.Throws<ArgumentNullException>(() => new ParleyClient(null!));
    }

    [Theory]
    [InlineData("http://localhost/v1/ws", "Url")]
    [InlineData("/v1/ws", "Url")]
    public void A_url_that_is_not_an_absolute_websocket_address_is_refused(string url, string named)
    {
        var options = new ParleyClientOptions { Url = new Uri(url, UriKind.RelativeOrAbsolute), TokenProvider = Token };

        var error = Assert.Throws<ArgumentException>(() => new ParleyClient(options));

        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void Missing_required_settings_are_named()
    {
        Assert.Contains("Url", Assert.Throws<ArgumentException>(() => new ParleyClient(new ParleyClientOptions { Url = null!, TokenProvider = Token })).Message);
        Assert.Contains("TokenProvider", Assert.Throws<ArgumentException>(() => new ParleyClient(new ParleyClientOptions { Url = new Uri("wss://chat.example.com/v1/ws"), TokenProvider = null! })).Message);
    }

    public static TheoryData<string, Func<ParleyClientOptions, ParleyClientOptions>> OutOfRange => new()
    {
        { "ReconnectInitialDelay", o => With(o, initial: TimeSpan.Zero) },
        { "ReconnectMaxDelay", o => With(o, max: TimeSpan.FromSeconds(-1)) },
        { "RequestTimeout", o => With(o, timeout: TimeSpan.Zero) },
        { "RequestTimeout", o => With(o, timeout: TimeSpan.FromDays(100)) },
        { "ReconnectInitialDelay", o => With(o, initial: TimeSpan.FromMinutes(1), max: TimeSpan.FromSeconds(30)) },
        { "TokenRefreshMargin", o => With(o, margin: TimeSpan.FromSeconds(-1)) },
        { "InboxSince", o => With(o, inboxSince: -1) },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void A_setting_out_of_range_is_refused_by_name(string named, Func<ParleyClientOptions, ParleyClientOptions> breakIt)
    {
        var error = Assert.Throws<ArgumentException>(() => new ParleyClient(breakIt(Valid())));

        Assert.Contains(named, error.Message);
        Assert.Equal("options", error.ParamName);
    }

    private static ParleyClientOptions Valid() => new() { Url = new Uri("ws://127.0.0.1:8080/v1/ws"), TokenProvider = Token };

    private static ParleyClientOptions With(ParleyClientOptions o, TimeSpan? initial = null, TimeSpan? max = null, TimeSpan? timeout = null, TimeSpan? margin = null, long? inboxSince = null)
        => new()
        {
            Url = o.Url,
            TokenProvider = o.TokenProvider,
            ReconnectInitialDelay = initial ?? o.ReconnectInitialDelay,
            ReconnectMaxDelay = max ?? o.ReconnectMaxDelay,
            RequestTimeout = timeout ?? o.RequestTimeout,
            TokenRefreshMargin = margin ?? o.TokenRefreshMargin,
            InboxSince = inboxSince ?? o.InboxSince,
        };
}
