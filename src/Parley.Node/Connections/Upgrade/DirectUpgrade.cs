using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using Parley.Node.Limits;
using Parley.Node.Options;

namespace Parley.Node.Connections.Upgrade;

/// <summary>
/// Kestrel connection middleware that takes a plain WebSocket upgrade to <c>/v1/ws</c> off a new
/// cleartext connection before the HTTP server sees it: it answers 101 itself and runs the session
/// over the transport pipes. The HTTP request's objects (its context, header collections, pipes
/// and timeouts, about 5 KB a connection) are then never created or held for the connection's
/// life. Everything else on the connection, and an upgrade this cannot take whole from the first
/// read (split across packets, unusual headers, refused by admission or drain, TLS), goes on to
/// the HTTP pipeline unread, where the HTTP endpoint admits it the same way and <see cref="ConnectionServer"/> serves it.
/// Every connection starts here, so this is where the request-head deadline
/// (<c>Limits:RequestHeadTimeout</c>) begins: a connection that sends nothing, or only part of an
/// upgrade's head, within it is closed (408 for a partial head), and one whose head goes on to the
/// HTTP pipeline meets Kestrel's request-headers timeout of the same length.
/// </summary>
internal sealed class DirectUpgrade(ConnectionServer server, AdmissionGate admission, DrainState drain, IOptions<ParleyOptions> options)
{
    public const string Path = "/v1/ws";

    private static readonly byte[] AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8.ToArray();

    private static readonly byte[] RequestTimeout = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"u8.ToArray();

    /// <summary>What the first bytes of a connection turned out to be.</summary>
    private enum Opening
    {
        /// <summary>Not a plain upgrade taken here: the HTTP pipeline reads the same bytes.</summary>
        PassOn,

        /// <summary>A plain upgrade, taken off the input; the 101 response is to be written.</summary>
        Upgrade,

        /// <summary>The head did not arrive within the deadline: the connection is closed.</summary>
        TimedOut,
    }

    /// <summary>Installs the middleware on every endpoint Kestrel listens on.</summary>
    public static void Install(Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions kestrel)
    {
        kestrel.ConfigureEndpointDefaults(listen => listen.Use(next =>
        {
            var upgrade = listen.ApplicationServices.GetRequiredService<DirectUpgrade>();
            return connection => upgrade.OnConnectionAsync(connection, next);
        }));
    }

    public async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        // One method for the connection's whole life, so an idle connection holds one state
        // machine here; the request is not kept in it, only what the session needs.
        var (opening, response, bearer) = await TakeUpgradeAsync(connection);
        if (opening == Opening.TimedOut)
        {
            await TimeOutAsync(connection, answer: response is not null);
            return;
        }

        if (response is null)
        {
            await next(connection);
            return;
        }

        var transport = new TransportStream(connection.Transport);
        var coalescing = new CoalescingStream(transport);
        try
        {
            // No token: a few bytes into the connection's empty output buffer never wait, and a
            // closed connection fails the write. Nothing here registers on ConnectionClosed, whose
            // token source keeps every callback node ever registered on it (for reuse) for the
            // connection's life.
            await transport.WriteAsync(response, CancellationToken.None);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionResetException)
        {
            return;
        }

        response = null;
        var socket = WebSocket.CreateFromStream(coalescing, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        try
        {
            // The transport completes its input when the connection closes, which ends any read:
            // the session needs no token for it.
            var serving = server.ServeAsync(socket, coalescing, bearer, CancellationToken.None, abortWakesReads: true);
            bearer = null; // not kept for the connection's life
            await serving;
        }
        finally
        {
            var aborted = socket.State == WebSocketState.Aborted;
            socket.Dispose();
            if (aborted)
            {
                // An aborted socket (a slow consumer, a failed close) may have output the client
                // never reads: drop the connection rather than wait to flush it.
                connection.Abort(new ConnectionAbortedException("The WebSocket was aborted."));
            }
        }
    }

    /// <summary>
    /// Reads the first bytes of the connection. While they may still become a plain upgrade
    /// (they begin as one, and the head is not complete) it waits for more, up to the deadline.
    /// A plain upgrade that admission lets in is taken off the input and its 101 response
    /// returned; anything else is left unread for the HTTP pipeline. On the deadline the result is
    /// <see cref="Opening.TimedOut"/>, with a non-null response when part of a head had arrived.
    /// </summary>
    private async Task<(Opening Opening, byte[]? Response, string? Bearer)> TakeUpgradeAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        // Real time, as Kestrel's own RequestHeadersTimeout for the heads it reads: one deadline for
        // either path, and a socket that never sends is let go whatever a test does to the node's clock.
        // Not linked to ConnectionClosed (a closed connection completes the input, which ends the
        // read), so the connection's token source is left without a callback node to keep.
        using var deadline = new CancellationTokenSource(options.Value.Limits.RequestHeadTimeout);
        var arrived = false;
        try
        {
            while (true)
            {
                var read = await input.ReadAsync(deadline.Token);
                var buffer = read.Buffer;
                arrived |= !buffer.IsEmpty;
                if (!read.IsCanceled && !read.IsCompleted && UpgradeRequest.MayBecomeUpgrade(buffer, Path))
                {
                    // Everything examined, nothing taken: the next read waits for more bytes.
                    input.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                }

                var request = read.IsCanceled ? null : UpgradeRequest.TryParse(buffer, Path);
                if (request is null || drain.IsDraining || !admission.TryAdmit(out _))
                {
                    // Nothing taken and nothing examined: the HTTP server reads the same bytes at once.
                    input.AdvanceTo(buffer.Start);
                    return (Opening.PassOn, null, null);
                }

                input.AdvanceTo(buffer.GetPosition(request.HeadLength));
                return (Opening.Upgrade, SwitchingProtocols(request.Key), request.Bearer);
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !connection.ConnectionClosed.IsCancellationRequested)
        {
            return (Opening.TimedOut, arrived ? RequestTimeout : null, null);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionResetException)
        {
            // Gone before it said anything: the HTTP server sees the end of the input and closes.
            return (Opening.PassOn, null, null);
        }
    }

    /// <summary>Closes a connection whose head did not arrive in time, answering 408 when part of one did.</summary>
    private static async Task TimeOutAsync(ConnectionContext connection, bool answer)
    {
        try
        {
            if (answer)
            {
                // A few bytes into an empty output buffer: written at once, whether the peer reads or not.
                await connection.Transport.Output.WriteAsync(RequestTimeout, connection.ConnectionClosed);
            }

            // Completing the output closes the connection once what was written is sent.
            await connection.Transport.Output.CompleteAsync();
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionResetException or InvalidOperationException)
        {
            connection.Abort(new ConnectionAbortedException("The request head did not arrive in time."));
        }
    }

    private static byte[] SwitchingProtocols(string key)
    {
        Span<byte> material = stackalloc byte[24 + 36];
        Encoding.ASCII.GetBytes(key, material);
        AcceptGuid.CopyTo(material[24..]);
        Span<byte> hash = stackalloc byte[20];
        SHA1.HashData(material, hash);
        return Encoding.ASCII.GetBytes(
            "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: " + Convert.ToBase64String(hash) + "\r\n\r\n");
    }
}
