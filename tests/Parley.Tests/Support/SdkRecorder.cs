using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Parley.Client;
using Parley.Tests.Protocol;

namespace Parley.Tests.Support;

/// <summary>
/// Records what an SDK client delivers to the application, for end-to-end assertions. A client made
/// by <see cref="Client"/> also checks every frame the server sends against the protocol's AsyncAPI
/// document; reading the recorder fails the test at the first frame the document does not allow.
/// </summary>
internal sealed class SdkRecorder
{
    private static readonly ConditionalWeakTable<ParleyClient, FrameCheck> Checks = new();

    private readonly ConcurrentQueue<ParleyMessage> _messages = new();
    private readonly FrameCheck? _check;

    public SdkRecorder(ParleyClient client)
    {
        client.MessageReceived += _messages.Enqueue;
        _check = Checks.TryGetValue(client, out var check) ? check : null;
    }

    public IReadOnlyList<ParleyMessage> Messages
    {
        get
        {
            AssertEveryFrameAllowed();
            return [.. _messages];
        }
    }

    public IReadOnlyList<long> Seqs(string room) => [.. Messages.Where(m => m.Room == room).Select(m => m.Seq)];

    /// <summary>Fails the test if the server sent this client a frame the protocol's document does not allow.</summary>
    public void AssertEveryFrameAllowed()
    {
        if (_check?.Violation is { } violation)
        {
            Assert.Fail(violation);
        }
    }

    public static ParleyClient Client(Uri url, string token, Action<ParleyClient>? before = null, TimeSpan? refreshMargin = null)
    {
        var check = new FrameCheck();
        var client = new ParleyClient(new ParleyClientOptions
        {
            Url = url,
            TokenProvider = _ => ValueTask.FromResult(token),
            ReconnectInitialDelay = TimeSpan.FromMilliseconds(20),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(500),
            RequestTimeout = TimeSpan.FromSeconds(20),
            TokenRefreshMargin = refreshMargin ?? TimeSpan.FromSeconds(60),
            FrameObserver = check.See,
        });
        Checks.Add(client, check);
        return client;
    }

    /// <summary>Checks each frame as the client receives it and keeps the first complaint.</summary>
    private sealed class FrameCheck
    {
        private string? _violation;

        public string? Violation => Volatile.Read(ref _violation);

        public void See(ReadOnlyMemory<byte> utf8)
        {
            if (Violation is not null)
            {
                return;
            }

            string? violation;
            try
            {
                using var document = JsonDocument.Parse(utf8);
                violation = SchemaDocument.Protocol.ServerFrameViolation(document.RootElement);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                violation = $"The frame could not be checked against {SchemaDocument.Path}: {e.Message}";
            }

            if (violation is not null)
            {
                Interlocked.CompareExchange(ref _violation, violation, null);
            }
        }
    }
}
