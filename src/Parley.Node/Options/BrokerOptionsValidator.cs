namespace Parley.Node.Options;

/// <summary>
/// The checks of <see cref="BrokerOptions"/>, part of <see cref="ParleyOptionsValidator"/>. A broker
/// other than Redis still needs Redis and PostgreSQL (presence, connection slots, tenant publish
/// rates and the node registry live in Redis), so an incomplete cluster configuration is refused
/// with a message naming each missing setting.
/// </summary>
internal static class BrokerOptionsValidator
{
    /// <summary>What cluster mode keeps in Redis whichever broker carries the fan-out, for messages.</summary>
    private const string RedisHolds = "presence, connection limits, the node registry and tenant publish rates live in Redis";

    public static void Validate(ParleyOptions options, List<string> errors)
    {
        var broker = options.Broker;
        var kind = broker.ParsedKind;
        if (kind is null)
        {
            errors.Add($"Parley:Broker:Kind must be redis, rabbitmq or nats, not '{broker.Kind}'.");
            return;
        }

        if (broker.PublishBufferBytes < 64 * 1024)
        {
            errors.Add("Parley:Broker:PublishBufferBytes must be at least 64 KiB.");
        }

        if (broker.DeliveryBufferBytes < 64 * 1024)
        {
            errors.Add("Parley:Broker:DeliveryBufferBytes must be at least 64 KiB.");
        }

        if (kind == BrokerKind.Redis)
        {
            return;
        }

        var name = broker.Kind.ToLowerInvariant();
        if (options.Redis.Url.Length == 0)
        {
            errors.Add($"Parley:Broker:Kind is {name}, which needs Parley:Redis:Url too: {RedisHolds}.");
        }

        if (!options.Postgres.IsConfigured)
        {
            errors.Add($"Parley:Broker:Kind is {name}, which needs Parley:Postgres:ConnectionString too: a broker other than the in-process one is for cluster mode.");
        }

        if (kind == BrokerKind.RabbitMq)
        {
            ValidateRabbitMq(broker.RabbitMq, errors);
        }
        else
        {
            ValidateNats(broker.Nats, errors);
        }
    }

    private static void ValidateRabbitMq(RabbitMqOptions rabbit, List<string> errors)
    {
        if (rabbit.Url.Length == 0)
        {
            errors.Add("Parley:Broker:Kind is rabbitmq, which needs Parley:Broker:RabbitMq:Url (amqp://user:password@host:port/vhost).");
        }
        else if (!Uri.TryCreate(rabbit.Url, UriKind.Absolute, out var url) || url.Scheme is not ("amqp" or "amqps") || url.Host.Length == 0)
        {
            errors.Add("Parley:Broker:RabbitMq:Url must be an amqp:// or amqps:// URL.");
        }

        // AMQP names are short strings; RabbitMQ allows letters, digits, '-', '_', '.' and ':' in them.
        if (rabbit.Exchange.Length is 0 or > 127 || rabbit.Exchange.StartsWith("amq.", StringComparison.Ordinal)
            || !rabbit.Exchange.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':'))
        {
            errors.Add("Parley:Broker:RabbitMq:Exchange must be 1 to 127 letters, digits, '-', '_', '.' or ':', not beginning with 'amq.'.");
        }

        if (rabbit.Prefetch is < 1 or > ushort.MaxValue)
        {
            errors.Add("Parley:Broker:RabbitMq:Prefetch must be between 1 and 65535.");
        }

        if (rabbit.QueueMaxBytes < 1024 * 1024)
        {
            errors.Add("Parley:Broker:RabbitMq:QueueMaxBytes must be at least 1 MiB.");
        }

        if (rabbit.Heartbeat < TimeSpan.FromSeconds(1) || rabbit.Heartbeat > TimeSpan.FromMinutes(10))
        {
            errors.Add("Parley:Broker:RabbitMq:Heartbeat must be between 1 s and 10 minutes.");
        }

        if (rabbit.ReconnectDelay <= TimeSpan.Zero || rabbit.ReconnectDelay > TimeSpan.FromMinutes(1))
        {
            errors.Add("Parley:Broker:RabbitMq:ReconnectDelay must be positive and at most 1 minute.");
        }
    }

    private static void ValidateNats(NatsOptions nats, List<string> errors)
    {
        if (nats.Url.Length == 0)
        {
            errors.Add("Parley:Broker:Kind is nats, which needs Parley:Broker:Nats:Url (nats://host:port).");
        }
        else if (!nats.Url.Split(',').All(u => Uri.TryCreate(u.Trim(), UriKind.Absolute, out var url) && url.Scheme is "nats" or "tls" && url.Host.Length > 0))
        {
            errors.Add("Parley:Broker:Nats:Url must be one or more nats:// or tls:// URLs separated by commas.");
        }

        if (!IsSubjectPrefix(nats.SubjectPrefix))
        {
            errors.Add("Parley:Broker:Nats:SubjectPrefix must be one or more subject tokens separated by '.', without white space, '*' or '>'.");
        }

        if (nats.PendingMessages < 16)
        {
            errors.Add("Parley:Broker:Nats:PendingMessages must be at least 16.");
        }

        if (nats.ReconnectDelay <= TimeSpan.Zero || nats.ReconnectDelay > TimeSpan.FromMinutes(1))
        {
            errors.Add("Parley:Broker:Nats:ReconnectDelay must be positive and at most 1 minute.");
        }
    }

    private static bool IsSubjectPrefix(string prefix)
        => prefix.Length is > 0 and <= 64
            && prefix.Split('.').All(token => token.Length > 0 && !token.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '*' or '>'));
}
