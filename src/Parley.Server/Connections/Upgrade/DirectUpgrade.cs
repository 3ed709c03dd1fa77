using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Parley.Server.Hosting;
using Parley.Server.Limits;

namespace Parley.Server.Connections.Upgrade;

/// <summary>
/// Kestrel connection middleware that takes a plain WebSocket upgrade to <c>/v1/ws</c> off a new
/// cleartext connection before the HTTP server sees it: it answers 101 itself and runs the session
/// over the transport pipes. The HTTP request's objects (its context, header collections, pipes
/// and timeouts, about 5 KB a connection) are then never created or held for the connection's
/// life. Everything else on the connection, and an upgrade this cannot take whole from the first
/// read (split across packets, unusual headers, refused by admission or drain, TLS), goes on to
/// the HTTP pipeline unread, where <see cref="WebSocketEndpoint.HandleAsync"/> serves it the same way.
/// </summary>
internal sealed class DirectUpgrade(WebSocketEndpoint endpoint, AdmissionGate admission, DrainState drain)
{
    public const string Path = "/v1/ws";

    private static readonly byte[] AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8.ToArray();

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
        var (response, bearer) = await TakeUpgradeAsync(connection);
        if (response is null)
        {
            await next(connection);
            return;
        }

        var transport = new TransportStream(connection.Transport);
        var coalescing = new CoalescingStream(transport);
        try
        {
            await transport.WriteAsync(response, connection.ConnectionClosed);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionResetException)
        {
            return;
        }

        response = null;
        var socket = WebSocket.CreateFromStream(coalescing, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        try
        {
            var serving = endpoint.ServeAsync(socket, coalescing, bearer, connection.ConnectionClosed, abortWakesReads: true);
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
    /// Reads the first bytes of the connection. A plain upgrade that admission lets in is taken
    /// off the input and its 101 response returned; otherwise nothing is taken (the response is null).
    /// </summary>
    private async Task<(byte[]? Response, string? Bearer)> TakeUpgradeAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        try
        {
            var read = await input.ReadAsync(connection.ConnectionClosed);
            var request = read.IsCanceled ? null : UpgradeRequest.TryParse(read.Buffer, Path);
            if (request is null || drain.IsDraining || !admission.TryAdmit(out _))
            {
                // Nothing taken and nothing examined: the HTTP server reads the same bytes at once.
                input.AdvanceTo(read.Buffer.Start);
                return (null, null);
            }

            input.AdvanceTo(read.Buffer.GetPosition(request.HeadLength));
            return (SwitchingProtocols(request.Key), request.Bearer);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionResetException)
        {
            // Gone before it said anything: the HTTP server sees the end of the input and closes.
            return (null, null);
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
