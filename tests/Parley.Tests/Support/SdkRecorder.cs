using System.Collections.Concurrent;
using Parley.Client;

namespace Parley.Tests.Support;

/// <summary>Records what an SDK client delivers to the application, for end-to-end assertions.</summary>
internal sealed class SdkRecorder
{
    private readonly ConcurrentQueue<ParleyMessage> _messages = new();

    public SdkRecorder(ParleyClient client) => client.MessageReceived += _messages.Enqueue;

    public IReadOnlyList<ParleyMessage> Messages => [.. _messages];

    public IReadOnlyList<long> Seqs(string room) => [.. _messages.Where(m => m.Room == room).Select(m => m.Seq)];

    public static ParleyClient Client(Uri url, string token, Action<ParleyClient>? before = null, TimeSpan? refreshMargin = null)
        => new(new ParleyClientOptions
        {
            Url = url,
            TokenProvider = _ => ValueTask.FromResult(token),
            ReconnectInitialDelay = TimeSpan.FromMilliseconds(20),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(500),
            RequestTimeout = TimeSpan.FromSeconds(20),
            TokenRefreshMargin = refreshMargin ?? TimeSpan.FromSeconds(60),
        });
}
