using Parley.Client;

namespace Parley.Examples;

public static class QuickStart
{
    /// <summary>Connects, joins a room, sends to it and to a friend, reads both back, pages the history, closes.</summary>
    public static async Task<IReadOnlyList<ParleyMessage>> RunAsync(
        Uri url, Func<CancellationToken, ValueTask<string>> getToken, string friend, CancellationToken cancellationToken = default)
    {
        await using var client = new ParleyClient(new ParleyClientOptions
        {
            Url = url,                 // any node, e.g. wss://chat.example.com/v1/ws
            TokenProvider = getToken,  // called again whenever the token needs renewing
            BufferMessages = true,     // keep messages for ReadMessagesAsync, whenever it starts reading
        });

        // Retries a node that is down or restarting for up to ConnectTimeout (30 s).
        await client.ConnectAsync(cancellationToken);

        // Without `since`, only messages sent from now on; JoinAsync("general", since: 0) replays the history.
        await client.JoinAsync("general", cancellationToken: cancellationToken);

        // Returns once the message is committed, with its sequence number in the room.
        var sent = await client.SendAsync("general", new { text = "hello" }, cancellationToken: cancellationToken);
        Console.WriteLine($"committed as #{sent.Seq} in general");

        // A direct message reaches every connection of the friend, and of this user too.
        await client.SendDirectAsync(friend, new { text = "psst" }, cancellationToken: cancellationToken);

        // Both messages arrived while nobody was reading; the stream kept them.
        var received = new List<ParleyMessage>();
        await foreach (var message in client.ReadMessagesAsync(cancellationToken))
        {
            var where = message.Room ?? $"direct to {message.To}";
            Console.WriteLine($"{where} #{message.Seq} from {message.From}: {message.Body}");
            received.Add(message);
            if (received.Count == 2)
            {
                break;
            }
        }

        // The newest 50 messages of the room; page on with `before: page.Messages[0].Seq`.
        var page = await client.HistoryAsync("general", limit: 50, cancellationToken: cancellationToken);
        Console.WriteLine($"general holds #{page.First} to #{page.Head}; this page has {page.Messages.Count}");

        await client.CloseAsync(cancellationToken);
        return received;
    }
}
