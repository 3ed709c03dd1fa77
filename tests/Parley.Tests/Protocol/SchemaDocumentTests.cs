using System.Reflection;
using System.Text;
using System.Text.Json;
using Parley.Node.Protocol;
using Parley.Node.Store;
using Parley.Node.Tenancy;

namespace Parley.Tests.Protocol;

/// <summary>
/// docs/protocol.asyncapi.yaml is a well-formed AsyncAPI 3 document and describes exactly the
/// protocol the node speaks: every op the parser accepts has a client message, every frame
/// <see cref="ServerFrames"/> can encode has a server message that it matches, and the schemas
/// refuse what the node never sends.
/// </summary>
public sealed class SchemaDocumentTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 14, 5, 9, 123, TimeSpan.Zero);
    private static readonly StreamId General = StreamId.Room("acme", "general");
    private static readonly StreamId BobsInbox = StreamId.User("acme", "bob");

    /// <summary>
    /// Frames of every shape each encoder of <see cref="ServerFrames"/> produces, by member name. A
    /// new encoder without an entry fails <see cref="Every_frame_the_server_can_encode_has_a_server_message_and_matches_it"/>.
    /// </summary>
    private static readonly Dictionary<string, Func<byte[][]>> Samples = new()
    {
        [nameof(ServerFrames.Connected)] = () => [ServerFrames.Connected("c-0123456789abcdef", "n-0123456789ab", "acme", "alice", TimeSpan.FromSeconds(25), At, 14)],
        [nameof(ServerFrames.Refreshed)] = () => [ServerFrames.Refreshed("9", At), ServerFrames.Refreshed(null, At)],
        [nameof(ServerFrames.Joined)] = () => [ServerFrames.Joined("1", "general", 57, resumed: true), ServerFrames.Joined(null, "general", 0, resumed: false), ServerFrames.Joined("2", "cursor:board", 0, resumed: true, ephemeral: true)],
        [nameof(ServerFrames.Left)] = () => [ServerFrames.Left("\"r-2\"", "general"), ServerFrames.Left(null, "general", "forbidden"), ServerFrames.Left(null, "general", ErrorCodes.StoreUnavailable), ServerFrames.Left(null, "general", ErrorCodes.Internal)],
        [nameof(ServerFrames.Ack)] = () => [ServerFrames.Ack("3", General, "c-7f3a", 58, At, duplicate: false), ServerFrames.Ack("4", BobsInbox, "c-7f3b", 15, At, duplicate: true), ServerFrames.Ack("5", StreamId.Room("acme", "cursor:board"), "c-7f3c", 0, At, duplicate: false)],
        [nameof(ServerFrames.Message)] = () =>
        [
            ServerFrames.Message(General, null, 58, "c-7f3a", "alice", At, """{"text":"hi"}"""u8),
            ServerFrames.Message(BobsInbox, "bob", 15, "c-7f3b", "alice", At, "\"psst\""u8),
            ServerFrames.Message(General, null, 59, "pay-1", "ak-3f1363d7996b", At, "42"u8),
            MessageFrames.Encode(BobsInbox, new StoredMessage(BobsInbox, 16, "c-7f3c", "alice", At, DirectBody.Wrap("bob", "null"u8))),
        ],
        [nameof(ServerFrames.EphemeralMessage)] = () => [ServerFrames.EphemeralMessage("cursor:board", "c-9", "alice", At, """{"x":10}"""u8), ServerFrames.EphemeralMessage("cursor:board", "t-1", "ak-3f1363d7996b", At, "1"u8)],
        [nameof(ServerFrames.Signal)] = () => [ServerFrames.Signal("general", "alice", Encoding.UTF8.GetBytes("""{"typing":true}"""))],
        [nameof(ServerFrames.PresenceList)] = () => [ServerFrames.PresenceList("6", "general", ["alice", "carol"]), ServerFrames.PresenceList(null, "general", [])],
        [nameof(ServerFrames.PresenceChange)] = () => [ServerFrames.PresenceChange("general", ["dave"], [])],
        [nameof(ServerFrames.History)] = () =>
        [
            ServerFrames.History("5", General, new StreamHead(58, 1), [new StoredMessage(General, 1, "c-1", "alice", At, "{}"u8.ToArray()), new StoredMessage(General, 2, "pay-1", "ak-3f1363d7996b", At, "[1]"u8.ToArray())]),
            ServerFrames.History(null, BobsInbox, new StreamHead(16, 1), [new StoredMessage(BobsInbox, 16, "c-7f3c", "alice", At, DirectBody.Wrap("bob", "true"u8))]),
            ServerFrames.History("7", General, new StreamHead(0, 0), []),
        ],
        [nameof(ServerFrames.Pong)] = () => [ServerFrames.Pong("1"), ServerFrames.Pong(null)],
        [nameof(ServerFrames.Ping)] = () => [ServerFrames.Ping],
        [nameof(ServerFrames.Error)] = () => [ServerFrames.Error("3", ErrorCodes.RateLimited, "Publish rate exceeded; retry later."), ServerFrames.Error(null, ErrorCodes.BadFrame, "The frame is not valid JSON.")],
        [nameof(ServerFrames.Reconnect)] = () => [ServerFrames.Reconnect(1840, "draining")],
    };

    private static SchemaDocument Document => SchemaDocument.Protocol;

    [Fact]
    public void The_document_is_an_AsyncAPI_3_document_for_the_v1_WebSocket()
    {
        var root = Document.Root;

        Assert.Equal("3.0.0", root.GetProperty("asyncapi").GetString());
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("info").GetProperty("title").GetString()));
        Assert.Equal("1", root.GetProperty("info").GetProperty("version").GetString());
        var channels = root.GetProperty("channels").EnumerateObject().ToList();
        Assert.Equal("/v1/ws", Assert.Single(channels).Value.GetProperty("address").GetString());
        foreach (var operation in root.GetProperty("operations").EnumerateObject())
        {
            Assert.Contains(operation.Value.GetProperty("action").GetString(), new[] { "send", "receive" });
            Assert.StartsWith("#/channels/", operation.Value.GetProperty("channel").GetProperty("$ref").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_reference_in_the_document_resolves()
    {
        var references = Document.References().ToList();

        Assert.NotEmpty(references);
        var broken = new List<string>();
        foreach (var (at, reference) in references)
        {
            try
            {
                Document.Resolve(reference);
            }
            catch (InvalidDataException e)
            {
                broken.Add($"{at}: {e.Message}");
            }
        }

        Assert.True(broken.Count == 0, string.Join(Environment.NewLine, broken));
    }

    [Fact]
    public void Operations_name_the_messages_of_their_channel_and_every_message_has_a_payload_schema()
    {
        var root = Document.Root;
        foreach (var operation in root.GetProperty("operations").EnumerateObject())
        {
            var channel = operation.Value.GetProperty("channel").GetProperty("$ref").GetString()!;
            IEnumerable<JsonElement> replies = operation.Value.TryGetProperty("reply", out var reply) ? reply.GetProperty("messages").EnumerateArray() : [];
            foreach (var message in operation.Value.GetProperty("messages").EnumerateArray().Concat(replies))
            {
                // AsyncAPI 3: an operation's messages are references to messages of its channel.
                Assert.StartsWith(channel + "/messages/", message.GetProperty("$ref").GetString(), StringComparison.Ordinal);
            }
        }

        foreach (var message in root.GetProperty("components").GetProperty("messages").EnumerateObject())
        {
            Assert.True(message.Value.TryGetProperty("payload", out var payload), $"The message {message.Name} has no payload.");
            var (_, schema) = Document.Follow($"#/components/messages/{message.Name}/payload", payload);
            Assert.Equal(JsonValueKind.Object, schema.ValueKind);
            Assert.True(message.Value.TryGetProperty("summary", out _) || message.Value.TryGetProperty("description", out _), $"The message {message.Name} says nothing about itself.");
        }

        // Every message of the channel is used by an operation, one way or the other.
        var used = Document.ClientMessages.Concat(Document.ServerMessages).Select(m => m.Key).ToHashSet();
        var channelMessages = root.GetProperty("channels").GetProperty("ws").GetProperty("messages").EnumerateObject()
            .Select(m => Document.Follow($"#/channels/ws/messages/{m.Name}", m.Value).Pointer);
        Assert.All(channelMessages, key => Assert.Contains(key, used));
    }

    [Fact]
    public void Every_op_the_server_accepts_has_a_client_message_and_no_other()
    {
        var accepted = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var op in Enum.GetValues<ClientOp>())
        {
            var name = op.ToString().ToLowerInvariant();
            Assert.True(ClientFrameParser.TryParse(Encoding.UTF8.GetBytes($$"""{"op":"{{name}}"}"""), out var frame));
            Assert.Equal(op, frame!.Op);
            accepted.Add(name);
        }

        var documented = new SortedSet<string>(Document.ClientMessages.Select(m => m.Op), StringComparer.Ordinal);

        Assert.Equal(accepted, documented);
    }

    [Fact]
    public void Every_frame_the_server_can_encode_has_a_server_message_and_matches_it()
    {
        var encoders = typeof(ServerFrames).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(m => m.ReturnType == typeof(byte[])).Select(m => m.Name)
            .Concat(typeof(ServerFrames).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.FieldType == typeof(byte[])).Select(f => f.Name))
            .ToHashSet();

        var missing = encoders.Except(Samples.Keys).ToList();
        Assert.True(missing.Count == 0, $"ServerFrames encodes {string.Join(", ", missing)} with no sample here: add one, and a message for it in {SchemaDocument.Path}.");
        Assert.Empty(Samples.Keys.Except(encoders));

        var sent = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var frame in Samples.Values.SelectMany(sample => sample()))
        {
            using var document = JsonDocument.Parse(frame);
            sent.Add(document.RootElement.GetProperty("op").GetString()!);
            Assert.Null(Document.ServerFrameViolation(document.RootElement));
        }

        // And the document lists no frame the node never sends.
        Assert.Equal(sent, new SortedSet<string>(Document.ServerMessages.Select(m => m.Op), StringComparer.Ordinal));
    }

    [Fact]
    public void Every_client_example_in_the_document_is_read_by_the_server_as_its_op()
    {
        foreach (var message in Document.ClientMessages)
        {
            foreach (var example in Document.Resolve(message.Key).GetProperty("examples").EnumerateArray())
            {
                var json = Encoding.UTF8.GetBytes(example.GetProperty("payload").GetRawText());

                Assert.True(ClientFrameParser.TryParse(json, out var frame), $"The server could not read the example of {message.Key}.");
                Assert.Equal(message.Op, frame!.Op.ToString().ToLowerInvariant());
            }
        }
    }

    [Fact]
    public void Every_example_in_the_document_matches_its_message()
    {
        var messages = Document.ClientMessages.Concat(Document.ServerMessages).ToList();
        var checkedExamples = 0;
        foreach (var message in messages)
        {
            var (_, definition) = Document.Follow(message.Key, Document.Resolve(message.Key));
            Assert.True(definition.TryGetProperty("examples", out var examples), $"The message {message.Key} has no example.");
            foreach (var example in examples.EnumerateArray())
            {
                Assert.Null(Document.Violation(message, example.GetProperty("payload")));
                checkedExamples++;
            }
        }

        Assert.True(checkedExamples >= messages.Count);
    }

    [Theory]
    [InlineData("""{"op":"connected","conn":"c-1","node":"n-1","tenant":"acme","user":"alice","ping":25,"expires":"2026-11-23T15:05:09.000Z","inbox_head":14,"extra":1}""", "a field the node does not send")]
    [InlineData("""{"op":"connected","conn":"c-1","node":"n-1","tenant":"acme","user":"alice","ping":25,"expires":"2026-11-23T15:05:09.000Z"}""", "a missing field")]
    [InlineData("""{"op":"ack","rid":3,"room":"general","id":"c-7f3a","seq":58,"ts":"2026-11-23 14:05:09"}""", "a timestamp in another format")]
    [InlineData("""{"op":"ack","rid":3,"room":"general","to":"bob","id":"c-7f3a","seq":58,"ts":"2026-11-23T14:05:09.123Z"}""", "both a room and a recipient")]
    [InlineData("""{"op":"msg","room":"general","seq":-1,"id":"c-7f3a","from":"alice","ts":"2026-11-23T14:05:09.123Z","body":1}""", "a negative sequence")]
    [InlineData("""{"op":"error","code":"no_such_code","message":"?"}""", "an error code the document does not list")]
    [InlineData("""{"op":"presence","room":"general","users":["alice"],"joined":[]}""", "a presence frame of neither shape")]
    [InlineData("""{"op":"typing","room":"general"}""", "an op the document does not list")]
    [InlineData("""["op","ping"]""", "a frame that is not an object")]
    public void A_frame_the_node_never_sends_is_refused(string json, string why)
    {
        using var document = JsonDocument.Parse(json);

        var violation = Document.ServerFrameViolation(document.RootElement);

        Assert.True(violation is not null, $"A frame with {why} passed.");
        Assert.Contains(json.Length > 60 ? json[..60] : json, violation, StringComparison.Ordinal);
    }

    [Fact]
    public void The_error_frame_lists_exactly_the_documented_error_codes()
    {
        var schema = Document.Resolve("#/components/schemas/ErrorFrame/properties/code/enum");
        var documented = Document.Root.GetProperty("x-parley-error-codes").EnumerateArray().Select(e => e.GetProperty("code").GetString()!);

        Assert.Equal(documented.Order(StringComparer.Ordinal), schema.EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal));
    }
}
