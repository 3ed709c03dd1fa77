using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Parley.Node.Broker.RabbitMq;

/// <summary>The publishing loop and what happens when the connection goes and comes back.</summary>
internal sealed partial class RabbitMqBroker
{
    private Task OnConnectionShutdownAsync(object sender, ShutdownEventArgs e)
    {
        if (!_disposed)
        {
            _ready = false;
            RabbitMqBrokerLog.ConnectionLost(_logger, e.ReplyText);
        }

        return Task.CompletedTask;
    }

    /// <summary>Raised by the client once the connection is open again; the queue and its bindings are restored off the client's recovery loop.</summary>
    private Task OnRecoverySucceededAsync(object sender, AsyncEventArgs e)
    {
        if (!_disposed)
        {
            _ = Task.Run(RestoreAsync);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Sets the queue up again until it works or the connection goes once more (the next recovery
    /// starts over), then tells each sink once that envelopes may have been lost.
    /// </summary>
    private async Task RestoreAsync()
    {
        while (!_disposed && _connection.IsOpen)
        {
            await _topology.WaitAsync(CancellationToken.None);
            try
            {
                if (_disposed)
                {
                    return;
                }

                await SetUpAsync(_disposing.Token);
                break;
            }
            catch (Exception e) when (e is RabbitMQ.Client.Exceptions.RabbitMQClientException or IOException or OperationCanceledException)
            {
                RabbitMqBrokerLog.RestoreFailed(_logger, e);
            }
            finally
            {
                _topology.Release();
            }

            try
            {
                await Task.Delay(_options.ReconnectDelay, _disposing.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        if (!IsConnected)
        {
            return;
        }

        var dropped = Interlocked.Exchange(ref _droppedWhileDown, 0);
        var sinks = _subscriptions.Values.Select(s => s.Sink).Distinct(ReferenceEqualityComparer.Instance).Cast<IEnvelopeSink>().ToArray();
        RabbitMqBrokerLog.Reconnected(_logger, _subscriptions.Count, sinks.Length, dropped);
        foreach (var sink in sinks)
        {
            try
            {
                sink.OnReconnected();
            }
            catch (Exception exception)
            {
                RabbitMqBrokerLog.ReconnectedSinkFailed(_logger, exception);
            }
        }
    }

    /// <summary>
    /// Writes the outbox to the exchange in order, on a channel of its own. While the queue is not
    /// set up (disconnected, or restoring after a broker restart, when the exchange may not exist
    /// yet) envelopes are dropped: a publish to a missing exchange would close the channel.
    /// </summary>
    private async Task PublishLoopAsync()
    {
        IChannel? channel = null;
        await foreach (var item in _outbox.ReadAllAsync())
        {
            if (!IsConnected)
            {
                _droppedWhileDown++;
                item.Fail("RabbitMQ was disconnected before the publish was sent.");
                continue;
            }

            try
            {
                if (channel is not { IsOpen: true })
                {
                    if (channel is not null)
                    {
                        await CloseQuietlyAsync(channel);
                    }

                    channel = await _connection.CreateChannelAsync();
                }

                await channel.BasicPublishAsync(_options.Exchange, item.Address, mandatory: false, item.Payload);
                item.Succeed();
            }
            catch (Exception e)
            {
                // Whatever went wrong, the loop goes on: one lost publish is filled from the store.
                _droppedWhileDown++;
                item.Fail("The publish to RabbitMQ failed: " + e.Message);
                RabbitMqBrokerLog.PublishFailed(_logger, e);
            }
        }

        if (channel is not null)
        {
            await CloseQuietlyAsync(channel);
        }
    }

    private async Task CloseQuietlyAsync(IChannel channel)
    {
        try
        {
            if (channel.IsOpen)
            {
                await channel.CloseAsync();
            }
        }
        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.RabbitMQClientException or IOException)
        {
            RabbitMqBrokerLog.CloseFailed(_logger, e);
        }

        channel.Dispose();
    }
}
