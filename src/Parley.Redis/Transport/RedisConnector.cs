using System.Buffers;
using System.Net.Sockets;
using Parley.Redis.Protocol;

namespace Parley.Redis.Transport;

/// <summary>
/// Opens a transport that is ready for commands: connected, authenticated (AUTH with the password,
/// or the ACL user and password), on the configured database (SELECT), and proven to answer (PING).
/// Runs on the first connect and on every reconnect, all within the connect timeout.
/// </summary>
internal static class RedisConnector
{
    public static async Task<RespTransport> OpenAsync(RedisConnectionOptions options, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.ConnectTimeout);
        RespTransport? transport = null;
        try
        {
            transport = await RespTransport.ConnectAsync(options, deadline.Token);
            await HandshakeAsync(transport, options, deadline.Token);
            return transport;
        }
        catch (Exception e)
        {
            if (transport is not null)
            {
                await transport.DisposeAsync();
            }

            cancellationToken.ThrowIfCancellationRequested();
            throw e switch
            {
                OperationCanceledException => new RedisConnectionException($"Connecting to Redis at {options.EndPoint} timed out after {options.ConnectTimeout.TotalSeconds:0.###} s.", e),
                SocketException socket => new RedisConnectionException($"Could not connect to Redis at {options.EndPoint}: {socket.Message}", e),
                IOException io => new RedisConnectionException($"The connection to Redis at {options.EndPoint} failed during the handshake: {io.Message}", e),
                _ => e,
            };
        }
    }

    private static async Task HandshakeAsync(RespTransport transport, RedisConnectionOptions options, CancellationToken cancellationToken)
    {
        var steps = new List<string>();
        if (options.Password is not null)
        {
            ReadOnlySpan<RedisArg> auth = options.User is null ? [options.Password] : [options.User, options.Password];
            RespWriter.WriteCommand(transport.Output, "AUTH", auth);
            steps.Add("AUTH");
        }

        if (options.Database != 0)
        {
            RespWriter.WriteCommand(transport.Output, "SELECT", [options.Database]);
            steps.Add("SELECT");
        }

        RespWriter.WriteCommand(transport.Output, "PING", []);
        steps.Add("PING");
        await transport.Output.FlushAsync(cancellationToken);

        // Every reply is read before judging any, so a refusal is reported for the step that caused it.
        RedisConnectionException? refusal = null;
        foreach (var step in steps)
        {
            var reply = await transport.ReadAsync(cancellationToken);
            if (reply.IsError && refusal is null)
            {
                refusal = Refusal(step, reply.AsString() ?? "", options);
            }
        }

        if (refusal is not null)
        {
            throw refusal;
        }
    }

    private static RedisConnectionException Refusal(string step, string error, RedisConnectionOptions options)
    {
        var server = new RedisServerException(error);
        var message = (step, server.Code) switch
        {
            ("AUTH", _) when options.User is not null => $"Redis at {options.EndPoint} refused the credentials of user '{options.User}': {error}",
            ("AUTH", _) => $"Redis at {options.EndPoint} refused the password: {error}",
            ("SELECT", _) => $"Redis at {options.EndPoint} refused database {options.Database}: {error}",
            (_, "NOAUTH") => $"Redis at {options.EndPoint} requires a password; give it in the URL as redis://:password@host:port. ({error})",
            _ => $"Redis at {options.EndPoint} refused {step} while connecting: {error}",
        };
        return new RedisConnectionException(message, server);
    }
}
