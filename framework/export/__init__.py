"""Taking a trained model elsewhere: ``export_onnx`` writes the traced graph as ONNX."""
from framework.export.onnx import CONVERTERS, DEFAULT_OPSET, ExportError, export_onnx

__all__ = ["export_onnx", "ExportError", "CONVERTERS", "DEFAULT_OPSET"]
