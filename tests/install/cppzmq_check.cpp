// cppzmq (Debian's cppzmq-dev, header-only) built against our include/zmq.h
// and run on our library: a C++ consumer of the header, its inline wrappers
// and message copy/move semantics. Built twice by `make test`: stable and
// with ZMQ_BUILD_DRAFT_API (cppzmq's draft parts must compile).
#include <zmq.hpp>
#include <zmq_addon.hpp>
#include <iostream>
#include <string>
#include <vector>

int main()
{
    zmq::context_t ctx;
    zmq::socket_t rep(ctx, zmq::socket_type::rep);
    zmq::socket_t req(ctx, zmq::socket_type::req);
    rep.set(zmq::sockopt::rcvtimeo, 5000);
    req.set(zmq::sockopt::rcvtimeo, 5000);
    rep.bind("tcp://127.0.0.1:*");
    const std::string ep = rep.get(zmq::sockopt::last_endpoint);
    req.connect(ep);
    req.send(zmq::str_buffer("Hello"), zmq::send_flags::none);
    zmq::message_t m;
    if (!rep.recv(m, zmq::recv_flags::none) || m.to_string() != "Hello") {
        std::cerr << "FAIL: request" << std::endl;
        return 1;
    }
    rep.send(zmq::str_buffer("I am OK!"), zmq::send_flags::none);
    std::vector<zmq::message_t> parts;
    if (!zmq::recv_multipart(req, std::back_inserter(parts)) || parts.size() != 1
        || parts[0].to_string() != "I am OK!") {
        std::cerr << "FAIL: reply" << std::endl;
        return 1;
    }
    // zmq_msg_t moved by plain byte copy (cppzmq's move and swap).
    zmq::message_t a("abcdefghijklmnopqrstuvwxyz0123456789", 36), b;
    b.copy(a);
    zmq::message_t c(std::move(a));
    std::swap(b, c);
    if (b.to_string() != "abcdefghijklmnopqrstuvwxyz0123456789" || c.size() != 36) {
        std::cerr << "FAIL: copy/move" << std::endl;
        return 1;
    }
    std::cout << "cppzmq on " << ep << ": OK" << std::endl;
    return 0;
}
